import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { RATIO_SIZES, RATIOS, STYLES, type Ratio, type Style } from '../../catalog.ts';
import { LocalImageProvider } from './local-provider.ts';

const provider = new LocalImageProvider();
const render = (prompt: string, style: Style, ratio: Ratio = '1:1') =>
  provider.generate({ model: 'flux-pro', upstreamModel: 'local', prompt, style, ratio });

/** Mean absolute difference per channel value (0–255) between two same-size images, at 64×64. */
async function difference(a: Uint8Array, b: Uint8Array): Promise<number> {
  const small = (bytes: Uint8Array) => sharp(bytes).resize(64, 64, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  const [x, y] = await Promise.all([small(a), small(b)]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]! - y[i]!);
  return sum / x.length;
}

describe('LocalImageProvider', () => {
  it.each(RATIOS)('renders a PNG of the exact size for %s', async (ratio) => {
    const { image } = await render('a lighthouse', 'Photorealistic', ratio);
    const metadata = await sharp(image.bytes).metadata();
    expect(metadata.format).toBe('png');
    expect({ width: metadata.width, height: metadata.height }).toEqual(RATIO_SIZES[ratio]);
    expect({ width: image.width, height: image.height }).toEqual(RATIO_SIZES[ratio]);
  });

  it('is deterministic for the same prompt, style and ratio', async () => {
    const [a, b] = await Promise.all([render('a lighthouse', 'Anime'), render('a lighthouse', 'Anime')]);
    expect(Buffer.compare(Buffer.from(a.image.bytes), Buffer.from(b.image.bytes))).toBe(0);
  });

  it('honours a seed: the same seed gives the same picture, another seed another one', async () => {
    const withSeed = (seed: number) => provider.generate({ model: 'flux-pro', upstreamModel: 'local', prompt: 'a lighthouse', style: 'Photorealistic', ratio: '1:1', seed });
    const [a, b, c] = await Promise.all([withSeed(7), withSeed(7), withSeed(8)]);
    expect(Buffer.from(a.image.bytes).equals(Buffer.from(b.image.bytes))).toBe(true);
    expect(await difference(a.image.bytes, c.image.bytes)).toBeGreaterThan(5);
  });

  it('looks clearly different for different prompts', async () => {
    const [a, b] = await Promise.all([render('a lighthouse', 'Photorealistic'), render('a red fox', 'Photorealistic')]);
    expect(await difference(a.image.bytes, b.image.bytes)).toBeGreaterThan(10);
  });

  it('looks clearly different for every pair of styles', async () => {
    const images = await Promise.all(STYLES.map((style) => render('a lighthouse', style)));
    for (let i = 0; i < images.length; i++) {
      for (let j = i + 1; j < images.length; j++) {
        const diff = await difference(images[i]!.image.bytes, images[j]!.image.bytes);
        expect(diff, `${STYLES[i]} vs ${STYLES[j]}`).toBeGreaterThan(8);
      }
    }
  });
});
