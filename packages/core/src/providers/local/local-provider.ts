import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { RATIO_SIZES, type Style } from '../../catalog.ts';
import type { ImageGenerationRequest, ImageGenerationResult, ImageProvider } from '../image-provider.ts';
import { renderSceneSvg, seededRandom } from './local-scene.ts';

/** Post-processing that SVG alone cannot give a style. */
async function finish(style: Style, svg: Buffer, width: number, height: number): Promise<Buffer> {
  const image = sharp(svg);
  switch (style) {
    case 'Pixel Art': {
      const small = await image.resize(Math.round(width / 16), Math.round(height / 16)).png().toBuffer();
      return sharp(small).resize(width, height, { kernel: 'nearest' }).png().toBuffer();
    }
    case 'Watercolor':
      return image.blur(6).png().toBuffer();
    case 'Oil Painting':
      return image.median(5).png().toBuffer();
    case 'Photorealistic':
      return image.blur(0.8).png().toBuffer();
    case 'Sketch':
      return image.greyscale().png().toBuffer();
    default:
      return image.png().toBuffer();
  }
}

/**
 * The built-in offline renderer: deterministic placeholder art seeded by the prompt (and the seed), drawn
 * in the style's treatment at the ratio's exact size. Not AI, and announced as such.
 */
export class LocalImageProvider implements ImageProvider {
  readonly id = 'local';

  async generate(request: ImageGenerationRequest): Promise<ImageGenerationResult> {
    const { width, height } = RATIO_SIZES[request.ratio];
    // The seed, when given, picks another picture for the same prompt: the same seed, the same picture.
    const digest = createHash('sha256').update(request.prompt.normalize('NFC')).update(request.seed === undefined ? '' : `\u0000${request.seed}`).digest();
    const svg = renderSceneSvg(request.style, width, height, seededRandom(digest.readUInt32LE(0)));
    const bytes = await finish(request.style, Buffer.from(svg), width, height);
    request.abortSignal?.throwIfAborted();
    return { image: { bytes, mediaType: 'image/png', width, height }, warnings: [] };
  }
}
