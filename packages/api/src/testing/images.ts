import path from 'node:path';
import sharp from 'sharp';

const astronaut = path.resolve(import.meta.dirname, '../../../../bench/photos/astronaut.png');

/** A crop of a real photograph (bench/photos, public domain), encoded as asked. */
export function photo(width: number, height: number, format: 'png' | 'jpeg' | 'webp'): Promise<Buffer> {
  return sharp(astronaut).extract({ left: 120, top: 40, width, height }).toFormat(format).toBuffer();
}

export { pngBomb } from '@aiphoto/core/testing';
