import type { Style } from '../catalog.ts';

/**
 * What each style adds to the prompt for providers without presets. The caller's prompt
 * always comes first and whole; the style only ever appends.
 */
export const STYLE_SUFFIXES: Record<Style, string> = {
  Photorealistic: 'photorealistic, natural lighting, sharp focus, high detail',
  Cinematic: 'cinematic film still, dramatic lighting, shallow depth of field, anamorphic',
  Illustration: 'illustration, clean linework, flat colours',
  Anime: 'anime style, cel shading, vibrant colours',
  'Digital Art': 'digital art, vivid colours, highly detailed',
  Watercolor: 'watercolor painting, soft washes, paper texture',
  'Oil Painting': 'oil painting, visible brush strokes, rich texture',
  '3D Render': '3D render, physically based materials, studio lighting',
  'Pixel Art': 'pixel art, 16-bit, limited palette',
  Sketch: 'pencil sketch, hand-drawn, graphite shading',
  Fantasy: 'fantasy art, magical atmosphere, epic scale',
  Minimalist: 'minimalist, simple shapes, negative space, muted palette',
};

export function styledPrompt(prompt: string, style: Style): string {
  return `${prompt}, ${STYLE_SUFFIXES[style]}`;
}
