import createPica from 'pica';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { InvalidImageError } from '../errors.ts';

export const OUTPUT_FORMATS = ['png', 'webp', 'jpeg'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface UploadLimits {
  maxInputPixels: number;
  maxOutputPixels: number;
}

/** 8-bit sRGB pixels, upright, first frame only; alpha kept apart so the model never sees it. */
export interface DecodedImage {
  width: number;
  height: number;
  rgb: Uint8Array;
  alpha: Uint8Array | undefined;
}

const SUPPORTED = 'PNG, JPEG, WebP, AVIF, TIFF or GIF';
const megapixels = (pixels: number) => `${(pixels / 1_000_000).toFixed(1)} MP`;

/** EXIF orientations 5–8 are rotated a quarter turn: width and height trade places. */
const isQuarterTurn = (orientation: number | undefined) => orientation !== undefined && orientation >= 5 && orientation <= 8;

/** An upload whose header passed every check; no pixel decoded yet. */
export interface InspectedUpload {
  bytes: Uint8Array;
  width: number;
  height: number;
}

/**
 * Validates an upload from its header alone — format, dimensions, and the size of the
 * result at `scale` — before a single pixel is decoded, so a decompression bomb (a tiny
 * file declaring huge dimensions) costs no memory.
 */
export async function inspectUpload(bytes: Uint8Array, scale: number, limits: UploadLimits): Promise<InspectedUpload> {
  if (bytes.byteLength === 0) throw new InvalidImageError('The image file is empty.');
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new InvalidImageError(`The file is not an image in a supported format (${SUPPORTED}).`);
  }
  const format = metadata.format as string;
  const supported =
    format === 'png' || format === 'jpeg' || format === 'webp' || format === 'tiff' || format === 'gif' || (format === 'heif' && metadata.compression === 'av1');
  if (!supported) {
    throw new InvalidImageError(`${format.toUpperCase()} files are not accepted; send ${SUPPORTED}.`);
  }
  const quarterTurn = isQuarterTurn(metadata.orientation);
  const width = (quarterTurn ? metadata.height : metadata.width) ?? 0;
  const height = (quarterTurn ? metadata.width : metadata.height) ?? 0;
  if (width < 1 || height < 1) throw new InvalidImageError('The image has no pixels.');
  if (width * height > limits.maxInputPixels) {
    throw new InvalidImageError(
      `The image is ${width}×${height} (${megapixels(width * height)}); the limit is ${megapixels(limits.maxInputPixels)}. Send a smaller image.`,
    );
  }
  const outputPixels = width * scale * height * scale;
  if (outputPixels > limits.maxOutputPixels) {
    throw new InvalidImageError(
      `At scale ${scale} the result would be ${width * scale}×${height * scale} (${megapixels(outputPixels)}); the limit is ${megapixels(limits.maxOutputPixels)}. Choose a smaller scale or a smaller image.`,
    );
  }
  return { bytes, width, height };
}

/** Validates, then decodes: for callers with nothing to do between the two. */
export async function decodeUpload(bytes: Uint8Array, scale: number, limits: UploadLimits): Promise<DecodedImage> {
  return decodePixels(await inspectUpload(bytes, scale, limits), limits);
}

/** Decodes an inspected upload to 8-bit sRGB; a truncated or corrupt file fails here. */
export async function decodePixels({ bytes }: InspectedUpload, limits: UploadLimits): Promise<DecodedImage> {
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(bytes, { failOn: 'truncated', limitInputPixels: limits.maxInputPixels, pages: 1 })
      .autoOrient()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch {
    throw new InvalidImageError('The image is truncated or corrupt and cannot be decoded.');
  }
  const { data, info } = decoded;
  if (info.channels === 3) return { width: info.width, height: info.height, rgb: data, alpha: undefined };
  const pixels = info.width * info.height;
  const rgb = new Uint8Array(pixels * 3);
  const alpha = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    rgb[i * 3] = data[i * info.channels]!;
    rgb[i * 3 + 1] = data[i * info.channels + 1]!;
    rgb[i * 3 + 2] = data[i * info.channels + 2]!;
    alpha[i] = data[i * info.channels + info.channels - 1]!;
  }
  return { width: info.width, height: info.height, rgb, alpha };
}

/** JPEG has no alpha: transparent areas are flattened onto white. */
export async function encodeImage(
  rgb: Uint8Array,
  alpha: Uint8Array | undefined,
  width: number,
  height: number,
  format: OutputFormat,
): Promise<Buffer> {
  let image = sharp(rgb, { raw: { width, height, channels: 3 } });
  if (alpha) image = image.joinChannel(Buffer.from(alpha.buffer, alpha.byteOffset, alpha.byteLength), { raw: { width, height, channels: 1 } });
  switch (format) {
    case 'png':
      return image.png().toBuffer();
    case 'webp':
      return image.webp({ quality: 92 }).toBuffer();
    case 'jpeg':
      return image.flatten({ background: '#ffffff' }).jpeg({ quality: 92 }).toBuffer();
  }
}

// sharp (libvips) enlarges with the same bicubic interpolator whatever kernel is asked for
// (its `kernel` option only shapes reductions), so Lanczos-3 enlargement comes from pica.
const pica = createPica({ features: ['js', 'wasm'] });

/** The classical baseline the strength blend starts from: a true Lanczos-3 enlargement. */
export async function resizeLanczos(pixels: Uint8Array, channels: 1 | 3, width: number, height: number, scale: number): Promise<Uint8Array> {
  const rgba = new Uint8Array(width * height * 4).fill(255);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = pixels[i * channels + (channels === 1 ? 0 : c)]!;
  }
  const resized = await pica.resizeBuffer({
    src: rgba,
    width,
    height,
    toWidth: width * scale,
    toHeight: height * scale,
    filter: 'lanczos3',
  });
  const out = new Uint8Array(width * scale * height * scale * channels);
  for (let i = 0; i < out.length / channels; i++) {
    for (let c = 0; c < channels; c++) out[i * channels + c] = resized[i * 4 + c]!;
  }
  return out;
}
