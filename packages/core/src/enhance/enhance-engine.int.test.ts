import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { photoCrop } from '../testing/images.ts';
import { loadConfig } from '../config.ts';
import { EnhanceEngine, TILE_OVERLAP, strengthWeight } from './enhance-engine.ts';
import { resizeLanczos } from './image-io.ts';
import { MODEL_SIZES, SCALES, type ModelSize } from '../catalog.ts';
import { packageDirectory, readKerasModel } from './esrgan-models.ts';
import { RANGE_FACTORS, calibrationCrops, committedRanges, measureRanges } from './calibration.ts';
import { repoRoot } from '../testing/images.ts';

const engines = new Map<string, EnhanceEngine>();
function engine(model: ModelSize, options: { runtime?: 'onnx' | 'tfjs'; precision?: 'fp32' | 'int8'; maxTile?: number; overlap?: number } = {}) {
  const key = JSON.stringify([model, options]);
  let found = engines.get(key);
  if (!found) {
    found = new EnhanceEngine({
      model,
      runtime: options.runtime ?? 'onnx',
      precision: options.precision ?? 'fp32',
      threads: 2,
      maxTile: options.maxTile ?? 1024,
      overlap: options.overlap ?? 16,
    });
    engines.set(key, found);
  }
  return found;
}
afterAll(async () => {
  for (const found of engines.values()) await found.dispose();
});

const rounded = (values: Float32Array) => Uint8Array.from(values, (v) => Math.min(255, Math.max(0, Math.round(v))));
function psnr(a: Uint8Array, b: Uint8Array): number {
  let squared = 0;
  for (let i = 0; i < a.length; i++) squared += (a[i]! - b[i]!) ** 2;
  return squared === 0 ? Infinity : 10 * Math.log10((255 * 255) / (squared / a.length));
}
function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/**
 * Golden test: our runtime and tiling on the package's own fixture must reproduce the
 * package's own published result. Tolerance: every channel value within 2 levels and PSNR
 * above 60 dB (measured: at most 1 level apart, 91–101 dB: rounding only).
 */
describe.each(MODEL_SIZES)('esrgan-%s golden samples', (size) => {
  it.each(SCALES)('×%i matches the package sample result.png', async (scale) => {
    const assets = path.join(packageDirectory(size), 'assets');
    const { data, info } = await sharp(path.join(assets, 'fixture.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const ours = rounded(await engine(size).reconstruct({ width: info.width, height: info.height, rgb: data, alpha: undefined }, scale));
    const theirs = await sharp(path.join(assets, 'samples', `${scale}x`, 'result.png')).removeAlpha().raw().toBuffer();
    expect(ours.length).toBe(theirs.length);
    expect(maxDifference(ours, theirs)).toBeLessThanOrEqual(2);
    expect(psnr(ours, theirs)).toBeGreaterThan(60);
  });
});

/**
 * The int8 graph against fp32 on the same fixture (not one of the calibration crops).
 * Tolerance: PSNR above 48 dB and no channel value more than 12 levels off (measured: 50.5 to
 * 55.5 dB, at most 6 levels).
 */
describe.each(MODEL_SIZES)('esrgan-%s int8', (size) => {
  it.each(SCALES)('×%i stays within the stated tolerance of fp32', async (scale) => {
    const assets = path.join(packageDirectory(size), 'assets');
    const { data, info } = await sharp(path.join(assets, 'fixture.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const image = { width: info.width, height: info.height, rgb: data, alpha: undefined };
    const fp32 = rounded(await engine(size).reconstruct(image, scale));
    const int8 = rounded(await engine(size, { precision: 'int8' }).reconstruct(image, scale));
    expect(psnr(int8, fp32)).toBeGreaterThan(48);
    expect(maxDifference(int8, fp32)).toBeLessThanOrEqual(12);
    // Not the fp32 graph by another name.
    expect(maxDifference(int8, fp32)).toBeGreaterThan(0);
  });
});

describe('int8 calibration', () => {
  it('is reproduced by the calibration crops: the committed ranges are the measured ones times one of the factors tried', async () => {
    const measured = await measureRanges(readKerasModel('slim', 2), await calibrationCrops(path.join(repoRoot, 'bench/photos')));
    const committed = committedRanges('slim', 2);
    expect(Object.keys(committed).sort()).toEqual(Object.keys(measured).sort());
    const factor = committed.F_m1![1] / measured.F_m1![1];
    expect(RANGE_FACTORS.some((tried) => Math.abs(tried - factor) < 1e-4)).toBe(true);
    for (const [name, [low, high]] of Object.entries(measured)) {
      expect(committed[name]![0]).toBeCloseTo(low * factor, 2);
      expect(committed[name]![1]).toBeCloseTo(high * factor, 2);
    }
  });
});

describe('tiling with real models', () => {
  it.each(['slim', 'thick'] as const)('esrgan-%s: a tiled result equals the untiled one within one level on average', async (size) => {
    const photo = await photoCrop(72, 56);
    const image = { ...photo, alpha: undefined };
    const whole = rounded(await engine(size).reconstruct(image, 2));
    const tiled = rounded(await engine(size, { maxTile: 40, overlap: 12 }).reconstruct(image, 2));
    let total = 0;
    for (let i = 0; i < whole.length; i++) total += Math.abs(whole[i]! - tiled[i]!);
    expect(total / whole.length).toBeLessThan(0.5);
    expect(psnr(whole, tiled)).toBeGreaterThan(40);
  });

  it('with the production tile size and overlap, an image wider than one tile matches the untiled result', async () => {
    const production = loadConfig({}).enhance.maxTile;
    const photo = await photoCrop(production + 40, 64);
    const image = { ...photo, alpha: undefined };
    const whole = rounded(await engine('slim', { maxTile: 2048 }).reconstruct(image, 2));
    const tiled = rounded(await engine('slim', { maxTile: production, overlap: TILE_OVERLAP }).reconstruct(image, 2));
    // Measured: at most 1 level apart (76 dB); without the overlap the seam is 86 levels off.
    expect(maxDifference(whole, tiled)).toBeLessThanOrEqual(2);
    expect(psnr(whole, tiled)).toBeGreaterThan(65);
  });
});

describe('strength', () => {
  it('moves monotonically from Lanczos (1) to the model output (10)', async () => {
    const photo = await photoCrop(40, 32);
    const job = { ...photo, alpha: undefined, scale: 2 as const, format: 'png' as const };
    const model = rounded(await engine('slim').reconstruct({ ...photo, alpha: undefined }, 2));
    const lanczos = await resizeLanczos(photo.rgb, 3, 40, 32, 2);
    const distances: number[] = [];
    for (let strength = 1; strength <= 10; strength++) {
      const { bytes } = await engine('slim').enhance({ ...job, strength });
      const pixels = await sharp(bytes).raw().toBuffer();
      let distance = 0;
      for (let i = 0; i < pixels.length; i++) distance += Math.abs(pixels[i]! - lanczos[i]!);
      distances.push(distance / pixels.length);
      if (strength === 10) expect(maxDifference(pixels, model)).toBeLessThanOrEqual(1);
    }
    for (let i = 1; i < distances.length; i++) expect(distances[i]!).toBeGreaterThan(distances[i - 1]!);
    expect(strengthWeight(1)).toBe(0.1);
    expect(strengthWeight(10)).toBe(1);
  });
});

describe('enhance output', () => {
  it('keeps the alpha channel, upscaled, and writes the requested format', async () => {
    const photo = await photoCrop(24, 16);
    const alpha = Uint8Array.from({ length: 24 * 16 }, (_, i) => (i % 24 < 12 ? 0 : 255));
    const png = await engine('slim').enhance({ ...photo, alpha, scale: 3, strength: 7, format: 'png' });
    const metadata = await sharp(png.bytes).metadata();
    expect([metadata.format, metadata.width, metadata.height, metadata.channels]).toEqual(['png', 72, 48, 4]);
    const out = await sharp(png.bytes).extractChannel(3).raw().toBuffer();
    expect(out[10 * 72 + 5]).toBe(0);
    expect(out[10 * 72 + 60]).toBe(255);
    for (const format of ['webp', 'jpeg'] as const) {
      const encoded = await engine('slim').enhance({ ...photo, alpha, scale: 2, strength: 5, format });
      expect((await sharp(encoded.bytes).metadata()).format).toBe(format);
    }
  });

  it('gives the same result on TensorFlow.js (wasm) as on onnxruntime', async () => {
    const photo = await photoCrop(32, 24);
    const image = { ...photo, alpha: undefined };
    const onnx = await engine('slim').reconstruct(image, 4);
    const tfjs = await engine('slim', { runtime: 'tfjs' }).reconstruct(image, 4);
    expect(maxDifference(onnx, tfjs)).toBeLessThan(0.01);
  });
});
