import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { InvalidImageError } from '../errors.ts';
import { photoFile, pngBomb } from '../testing/images.ts';
import { decodeUpload } from './image-io.ts';

const limits = { maxInputPixels: 1_000_000, maxOutputPixels: 4_000_000 };
const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as InvalidImageError);

describe('decodeUpload', () => {
  it.each(['png', 'jpeg', 'webp'] as const)('decodes a %s photo to 8-bit RGB', async (format) => {
    const image = await decodeUpload(await photoFile(40, 30, format), 4, limits);
    expect([image.width, image.height, image.rgb.length, image.alpha]).toEqual([40, 30, 40 * 30 * 3, undefined]);
  });

  it('decodes AVIF, TIFF and the first frame of an animated GIF', async () => {
    const red = await sharp({ create: { width: 16, height: 8, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const blue = await sharp({ create: { width: 16, height: 8, channels: 3, background: '#0000ff' } }).png().toBuffer();
    const gif = await sharp([red, blue], { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(gif, { pages: -1 }).metadata()).pages).toBe(2);
    const first = await decodeUpload(gif, 2, limits);
    expect([first.width, first.height]).toEqual([16, 8]);
    expect([...first.rgb.slice(0, 3)]).toEqual([255, 0, 0]);
    for (const format of ['avif', 'tiff'] as const) {
      const bytes = await sharp(red).toFormat(format).toBuffer();
      expect((await decodeUpload(bytes, 2, limits)).width).toBe(16);
    }
  });

  it('keeps alpha apart from the colour channels', async () => {
    const rgba = await sharp({ create: { width: 4, height: 2, channels: 4, background: { r: 0, g: 128, b: 255, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const image = await decodeUpload(rgba, 2, limits);
    expect([...image.rgb.slice(0, 3)]).toEqual([0, 128, 255]);
    expect(image.alpha?.length).toBe(8);
    expect(image.alpha![0]).toBeGreaterThanOrEqual(127);
    expect(image.alpha![0]).toBeLessThanOrEqual(128);
  });

  it('applies the EXIF orientation', async () => {
    const sideways = await sharp(await photoFile(40, 20, 'jpeg')).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const image = await decodeUpload(sideways, 2, limits);
    expect([image.width, image.height]).toEqual([20, 40]);
  });

  it('converts grayscale, 16-bit and CMYK to 8-bit sRGB', async () => {
    const gray = await sharp(await photoFile(10, 10)).greyscale().png().toBuffer();
    const sixteen = await sharp(await photoFile(10, 10)).toColourspace('rgb16').png().toBuffer();
    const cmyk = await sharp(await photoFile(10, 10)).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(sixteen).metadata()).depth).toBe('ushort');
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    for (const bytes of [gray, sixteen, cmyk]) {
      const image = await decodeUpload(bytes, 2, limits);
      expect(image.rgb.length).toBe(10 * 10 * 3);
    }
  });

  it.each([
    ['an empty file', Buffer.alloc(0), /empty/],
    ['plain text', Buffer.from('hello, this is not an image'), /not an image/],
    ['HTML', Buffer.from('<!doctype html><html><body><img src=x></body></html>'), /not an image/],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'), /SVG/],
    ['PDF', Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF'), /not an image|PDF/],
  ])('rejects %s as invalid_image', async (_, bytes, message) => {
    const error = await rejection(decodeUpload(bytes, 2, limits));
    expect(error).toBeInstanceOf(InvalidImageError);
    expect(error!.message).toMatch(message);
  });

  it.each(['png', 'jpeg'] as const)('rejects a truncated %s', async (format) => {
    const whole = await photoFile(64, 64, format);
    const error = await rejection(decodeUpload(whole.subarray(0, Math.floor(whole.length * 0.6)), 2, limits));
    expect(error).toBeInstanceOf(InvalidImageError);
  });

  it('rejects a decompression bomb from its header, without decoding it', async () => {
    const bomb = pngBomb(100_000, 100_000);
    expect(bomb.length).toBeLessThan(100);
    const before = process.memoryUsage().rss;
    const error = await rejection(decodeUpload(bomb, 2, limits));
    expect(error).toBeInstanceOf(InvalidImageError);
    expect(error!.message).toContain('100000×100000');
    expect(error!.message).toContain('the limit is 1.0 MP');
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('checks the size of the result against the output limit, naming the scale', async () => {
    const image = await sharp({ create: { width: 600, height: 600, channels: 3, background: '#336699' } }).png().toBuffer();
    const error = await rejection(decodeUpload(image, 4, limits));
    expect(error!.message).toMatch(/At scale 4 the result would be 2400×2400/);
    expect((await decodeUpload(image, 3, limits)).width).toBe(600);
  });
});
