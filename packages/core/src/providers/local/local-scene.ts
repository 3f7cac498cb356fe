import type { Style } from '../../catalog.ts';

/**
 * Builds the SVG for the offline renderer: a landscape whose layout comes from the prompt
 * and whose treatment comes from the style. It is placeholder art, not AI: it exists so the
 * whole service works with no keys and no network, and so tests have deterministic pictures.
 */

export type Random = () => number;

/** mulberry32: tiny, fast and good enough for picking shapes. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Scene {
  hue: number;
  sunX: number;
  sunY: number;
  sunRadius: number;
  ridges: number[][];
  clouds: { x: number; y: number; size: number }[];
  stars: { x: number; y: number; r: number }[];
}

const hsl = (h: number, s: number, l: number, a = 1) =>
  a === 1 ? `hsl(${h.toFixed(1)} ${s.toFixed(1)}% ${l.toFixed(1)}%)` : `hsl(${h.toFixed(1)} ${s.toFixed(1)}% ${l.toFixed(1)}% / ${a})`;

function composeScene(random: Random, width: number, height: number): Scene {
  const ridges: number[][] = [];
  for (let layer = 0; layer < 4; layer++) {
    const base = height * (0.45 + layer * 0.13);
    const roughness = height * (0.16 - layer * 0.03);
    const points: number[] = [];
    let y = base + (random() - 0.5) * roughness;
    for (let step = 0; step <= 16; step++) {
      y += (random() - 0.5) * roughness * 0.9;
      y = Math.min(Math.max(y, base - roughness), base + roughness);
      points.push(y);
    }
    ridges.push(points);
  }
  return {
    hue: random() * 360,
    sunX: width * (0.15 + random() * 0.7),
    sunY: height * (0.12 + random() * 0.25),
    sunRadius: Math.min(width, height) * (0.06 + random() * 0.06),
    ridges,
    clouds: Array.from({ length: 3 + Math.floor(random() * 4) }, () => ({
      x: random() * width,
      y: height * (0.05 + random() * 0.3),
      size: Math.min(width, height) * (0.05 + random() * 0.08),
    })),
    stars: Array.from({ length: 60 }, () => ({ x: random() * width, y: random() * height * 0.5, r: 0.6 + random() * 2 })),
  };
}

function ridgePath(points: number[], width: number, height: number): string {
  const step = width / (points.length - 1);
  const line = points.map((y, index) => `${index === 0 ? 'M' : 'L'}${(index * step).toFixed(1)} ${y.toFixed(1)}`).join(' ');
  return `${line} L${width} ${height} L0 ${height} Z`;
}

interface Treatment {
  sky: [string, string];
  sun: string;
  ridge: (layer: number) => string;
  outline?: string;
  outlineWidth?: number;
  ridgeOpacity?: number;
  clouds?: string;
  stars?: boolean;
  extra?: (scene: Scene, width: number, height: number, random: Random) => string;
}

function treatmentFor(style: Style, hue: number): Treatment {
  const complement = (hue + 180) % 360;
  switch (style) {
    case 'Photorealistic':
      return {
        sky: [hsl(hue, 55, 62), hsl((hue + 30) % 360, 70, 85)],
        sun: hsl(45, 100, 88),
        ridge: (layer) => hsl((hue + 120) % 360, 18 + layer * 6, 58 - layer * 12),
        clouds: 'rgba(255,255,255,0.55)',
      };
    case 'Cinematic':
      return {
        sky: [hsl(190, 45, 18), hsl(28, 80, 55)],
        sun: hsl(32, 100, 70),
        ridge: (layer) => hsl(195, 35, 24 - layer * 5),
        extra: (_scene, width, height) =>
          `<rect width="${width}" height="${height}" fill="url(#vignette)"/>` +
          `<rect width="${width}" height="${(height * 0.12).toFixed(0)}" fill="#000"/>` +
          `<rect y="${(height * 0.88).toFixed(0)}" width="${width}" height="${(height * 0.12).toFixed(0)}" fill="#000"/>`,
      };
    case 'Illustration':
      return {
        sky: [hsl(hue, 60, 80), hsl(hue, 60, 80)],
        sun: hsl(complement, 85, 60),
        ridge: (layer) => hsl((hue + 40 * layer) % 360, 55, 70 - layer * 10),
        outline: '#2b2118',
        outlineWidth: 6,
      };
    case 'Anime':
      return {
        sky: [hsl(205, 90, 55), hsl(195, 95, 82)],
        sun: '#fffbe6',
        ridge: (layer) => hsl(130 + layer * 12, 65, 52 - layer * 8),
        outline: '#1d2440',
        outlineWidth: 3,
        clouds: '#ffffff',
      };
    case 'Digital Art':
      return {
        sky: [hsl(285, 90, 18), hsl(325, 95, 55)],
        sun: hsl(50, 100, 60),
        ridge: (layer) => hsl(260 - layer * 20, 80, 20 + layer * 4),
        outline: hsl(185, 100, 60),
        outlineWidth: 2,
        extra: (_scene, width, height) => {
          const lines: string[] = [];
          for (let x = 0; x <= width; x += width / 16) {
            lines.push(`<line x1="${x.toFixed(0)}" y1="${height}" x2="${(width / 2 + (x - width / 2) * 0.2).toFixed(0)}" y2="${(height * 0.72).toFixed(0)}"/>`);
          }
          for (let i = 0; i < 8; i++) {
            const y = height * 0.72 + (height * 0.28 * (i * i)) / 49;
            lines.push(`<line x1="0" y1="${y.toFixed(0)}" x2="${width}" y2="${y.toFixed(0)}"/>`);
          }
          return `<g stroke="${hsl(185, 100, 60)}" stroke-width="2" opacity="0.8">${lines.join('')}</g>`;
        },
      };
    case 'Watercolor':
      return {
        sky: ['#fbf7ef', '#f4ecdc'],
        sun: hsl(complement, 70, 70, 0.6),
        ridge: (layer) => hsl((hue + layer * 25) % 360, 55, 60 - layer * 6, 0.45),
        extra: (scene, width, height, random) =>
          Array.from({ length: 14 }, () => {
            const x = random() * width;
            const y = random() * height;
            const r = Math.min(width, height) * (0.05 + random() * 0.12);
            return `<circle cx="${x.toFixed(0)}" cy="${y.toFixed(0)}" r="${r.toFixed(0)}" fill="${hsl((scene.hue + random() * 80) % 360, 60, 65, 0.22)}"/>`;
          }).join(''),
      };
    case 'Oil Painting':
      return {
        sky: [hsl(hue, 45, 45), hsl((hue + 50) % 360, 55, 70)],
        sun: hsl(40, 90, 65),
        ridge: (layer) => hsl((hue + 90 + layer * 10) % 360, 40, 45 - layer * 8),
        extra: (scene, width, height, random) =>
          Array.from({ length: 900 }, () => {
            const x = random() * width;
            const y = random() * height;
            const angle = random() * 180;
            const lightness = 30 + random() * 45;
            return `<ellipse cx="${x.toFixed(0)}" cy="${y.toFixed(0)}" rx="${(8 + random() * 14).toFixed(0)}" ry="3" transform="rotate(${angle.toFixed(0)} ${x.toFixed(0)} ${y.toFixed(0)})" fill="${hsl((scene.hue + random() * 90) % 360, 45, lightness, 0.5)}"/>`;
          }).join(''),
      };
    case '3D Render':
      return {
        sky: ['#d9dde4', '#f5f6f8'],
        sun: 'url(#sphere)',
        ridge: (layer) => (layer < 3 ? 'none' : '#c9ccd2'),
        extra: (_scene, width, height, random) =>
          Array.from({ length: 4 }, (_, index) => {
            const r = Math.min(width, height) * (0.06 + random() * 0.08);
            const x = width * (0.15 + index * 0.22 + random() * 0.05);
            const y = height * 0.72;
            return (
              `<ellipse cx="${(x + r * 0.4).toFixed(0)}" cy="${(y + r).toFixed(0)}" rx="${(r * 1.1).toFixed(0)}" ry="${(r * 0.25).toFixed(0)}" fill="rgba(0,0,0,0.25)"/>` +
              `<circle cx="${x.toFixed(0)}" cy="${y.toFixed(0)}" r="${r.toFixed(0)}" fill="url(#ball${index})"/>`
            );
          }).join(''),
      };
    case 'Pixel Art':
      return {
        sky: [hsl(hue, 70, 55), hsl(hue, 70, 75)],
        sun: '#ffe45c',
        ridge: (layer) => hsl((hue + 100 + layer * 15) % 360, 60, 55 - layer * 10),
        clouds: '#ffffff',
      };
    case 'Sketch':
      return {
        sky: ['#f7f5f0', '#f7f5f0'],
        sun: 'none',
        ridge: () => 'none',
        outline: '#3a3a3a',
        outlineWidth: 2,
        extra: (scene, width, height, random) =>
          Array.from({ length: 160 }, () => {
            const x = random() * width;
            const y = height * 0.5 + random() * height * 0.5;
            return `<line x1="${x.toFixed(0)}" y1="${y.toFixed(0)}" x2="${(x + 14).toFixed(0)}" y2="${(y - 14).toFixed(0)}" stroke="#555" stroke-width="1"/>`;
          }).join('') +
          `<circle cx="${scene.sunX.toFixed(0)}" cy="${scene.sunY.toFixed(0)}" r="${scene.sunRadius.toFixed(0)}" fill="none" stroke="#3a3a3a" stroke-width="2"/>`,
      };
    case 'Fantasy':
      return {
        sky: [hsl(265, 70, 12), hsl(200, 70, 35)],
        sun: hsl(55, 100, 92),
        ridge: (layer) => hsl(270 - layer * 15, 45, 22 - layer * 3),
        stars: true,
        extra: (_scene, width, height) =>
          `<path d="M0 ${(height * 0.3).toFixed(0)} C ${width * 0.3} ${height * 0.1}, ${width * 0.6} ${height * 0.45}, ${width} ${height * 0.2}" stroke="${hsl(150, 90, 60, 0.55)}" stroke-width="${(height * 0.06).toFixed(0)}" fill="none"/>`,
      };
    case 'Minimalist':
      return {
        sky: [hsl(hue, 25, 90), hsl(hue, 25, 90)],
        sun: hsl(complement, 55, 55),
        ridge: (layer) => (layer === 1 ? hsl(hue, 20, 30) : 'none'),
      };
  }
}

export function renderSceneSvg(style: Style, width: number, height: number, random: Random): string {
  const scene = composeScene(random, width, height);
  const t = treatmentFor(style, scene.hue);
  const parts: string[] = [];
  parts.push(
    `<defs>` +
      `<linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${t.sky[0]}"/><stop offset="1" stop-color="${t.sky[1]}"/></linearGradient>` +
      `<radialGradient id="vignette" cx="0.5" cy="0.5" r="0.75"><stop offset="0.55" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.75"/></radialGradient>` +
      `<radialGradient id="sphere" cx="0.35" cy="0.35" r="0.7"><stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="${hsl(scene.hue, 60, 45)}"/></radialGradient>` +
      [0, 1, 2, 3]
        .map(
          (index) =>
            `<radialGradient id="ball${index}" cx="0.35" cy="0.3" r="0.75"><stop offset="0" stop-color="#fff"/><stop offset="0.35" stop-color="${hsl((scene.hue + index * 70) % 360, 70, 60)}"/><stop offset="1" stop-color="${hsl((scene.hue + index * 70) % 360, 70, 18)}"/></radialGradient>`,
        )
        .join('') +
      `</defs>`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="url(#sky)"/>`);
  if (t.stars) {
    for (const star of scene.stars) parts.push(`<circle cx="${star.x.toFixed(0)}" cy="${star.y.toFixed(0)}" r="${star.r.toFixed(1)}" fill="#fff"/>`);
  }
  if (t.sun !== 'none') {
    parts.push(`<circle cx="${scene.sunX.toFixed(0)}" cy="${scene.sunY.toFixed(0)}" r="${scene.sunRadius.toFixed(0)}" fill="${t.sun}"/>`);
  }
  if (t.clouds) {
    for (const cloud of scene.clouds) {
      parts.push(
        `<g fill="${t.clouds}"><ellipse cx="${cloud.x.toFixed(0)}" cy="${cloud.y.toFixed(0)}" rx="${(cloud.size * 1.6).toFixed(0)}" ry="${(cloud.size * 0.6).toFixed(0)}"/>` +
          `<circle cx="${(cloud.x - cloud.size * 0.5).toFixed(0)}" cy="${(cloud.y - cloud.size * 0.3).toFixed(0)}" r="${(cloud.size * 0.6).toFixed(0)}"/>` +
          `<circle cx="${(cloud.x + cloud.size * 0.4).toFixed(0)}" cy="${(cloud.y - cloud.size * 0.4).toFixed(0)}" r="${(cloud.size * 0.7).toFixed(0)}"/></g>`,
      );
    }
  }
  scene.ridges.forEach((points, layer) => {
    const fill = t.ridge(layer);
    const stroke = t.outline ? ` stroke="${t.outline}" stroke-width="${t.outlineWidth ?? 2}" stroke-linejoin="round"` : '';
    if (fill === 'none' && !t.outline) return;
    parts.push(`<path d="${ridgePath(points, width, height)}" fill="${fill}"${stroke}/>`);
  });
  if (t.extra) parts.push(t.extra(scene, width, height, random));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}
