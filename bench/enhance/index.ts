import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { MODEL_SIZES, SCALES, loadConfig, type ModelSize, type Scale } from '@aiphoto/core';
import { EnhanceEngine, TILE_OVERLAP, resizeLanczos } from '@aiphoto/core/enhance';

/**
 * bench/enhance: quality, speed and memory of every super-resolution model, each next to a
 * baseline measured in the same run (bicubic and Lanczos for quality, TensorFlow.js for speed).
 *
 * Quality follows the usual super-resolution protocol: downscale each photograph by the
 * scale with bicubic, upscale it back, and compare with the original by PSNR on the
 * luminance (BT.601 Y) channel, ignoring a border as wide as the scale.
 */
const run = promisify(execFile);
const here = import.meta.dirname;
const PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg'];
const THREADS = 2;
const TARGET = { seconds: 20, peakRssMegabytes: 1536, gainDb: 1.0 };

function luminance(rgb: Uint8Array | Buffer): Float64Array {
  const y = new Float64Array(rgb.length / 3);
  for (let i = 0; i < y.length; i++) y[i] = 16 + (65.481 * rgb[i * 3]! + 128.553 * rgb[i * 3 + 1]! + 24.966 * rgb[i * 3 + 2]!) / 255;
  return y;
}

function psnrY(a: Uint8Array | Buffer, b: Uint8Array | Buffer, width: number, height: number, border: number): number {
  const ya = luminance(a);
  const yb = luminance(b);
  let squared = 0;
  let count = 0;
  for (let y = border; y < height - border; y++) {
    for (let x = border; x < width - border; x++) {
      squared += (ya[y * width + x]! - yb[y * width + x]!) ** 2;
      count++;
    }
  }
  return 10 * Math.log10((255 * 255) / (squared / count));
}

const toBytes = (values: Float32Array) => Uint8Array.from(values, (v) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v)));

async function quality() {
  const engines = new Map(MODEL_SIZES.map((size) => [size, new EnhanceEngine({ model: size, runtime: 'onnx', threads: THREADS, maxTile: loadConfig({}).enhance.maxTile, overlap: TILE_OVERLAP })]));
  const rows: { scale: Scale; method: string; psnr: number[] }[] = [];
  const add = (scale: Scale, method: string, value: number) => {
    let row = rows.find((r) => r.scale === scale && r.method === method);
    if (!row) rows.push((row = { scale, method, psnr: [] }));
    row.psnr.push(value);
  };
  for (const scale of SCALES) {
    for (const file of PHOTOS) {
      const source = sharp(path.join(here, '../photos', file));
      const { width, height } = await source.metadata();
      const w = Math.floor(width! / scale) * scale;
      const h = Math.floor(height! / scale) * scale;
      const original = await sharp(path.join(here, '../photos', file)).extract({ left: 0, top: 0, width: w, height: h }).removeAlpha().raw().toBuffer();
      const small = await sharp(original, { raw: { width: w, height: h, channels: 3 } }).resize(w / scale, h / scale, { kernel: 'cubic' }).raw().toBuffer();
      const bicubic = await sharp(small, { raw: { width: w / scale, height: h / scale, channels: 3 } }).resize(w, h, { kernel: 'cubic' }).raw().toBuffer();
      add(scale, 'bicubic', psnrY(bicubic, original, w, h, scale));
      add(scale, 'lanczos', psnrY(await resizeLanczos(small, 3, w / scale, h / scale, scale), original, w, h, scale));
      for (const [size, engine] of engines) {
        const out = toBytes(await engine.reconstruct({ width: w / scale, height: h / scale, rgb: small, alpha: undefined }, scale));
        add(scale, `esrgan-${size}`, psnrY(out, original, w, h, scale));
      }
    }
  }
  for (const engine of engines.values()) await engine.dispose();
  return rows.map((row) => ({ ...row, mean: row.psnr.reduce((a, b) => a + b, 0) / row.psnr.length }));
}

async function measure(args: (string | number)[]) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(here, 'measure.ts'), ...args.map(String)], {
    cwd: here,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}

const pad = (value: string | number, width: number) => String(value).padStart(width);

console.log(`bench/enhance — ${PHOTOS.length} photographs (bench/photos), ${THREADS} threads for onnxruntime\n`);

const rows = await quality();
console.log('Quality: mean luminance PSNR (dB) after a bicubic downscale, and the gain over bicubic upscaling');
console.log(`${'scale'.padEnd(6)}${'method'.padEnd(16)}${pad('PSNR', 8)}${pad('gain', 8)}   per photo`);
for (const scale of SCALES) {
  const baseline = rows.find((row) => row.scale === scale && row.method === 'bicubic')!.mean;
  for (const row of rows.filter((r) => r.scale === scale)) {
    console.log(
      `${`×${scale}`.padEnd(6)}${row.method.padEnd(16)}${pad(row.mean.toFixed(2), 8)}${pad((row.mean - baseline >= 0 ? '+' : '') + (row.mean - baseline).toFixed(2), 8)}   ${row.psnr.map((p) => p.toFixed(2)).join(' ')}`,
    );
  }
}

console.log('\nSpeed and memory: one 128×128 crop → ×4 (512×512), model only, each in its own process');
console.log(`${'model'.padEnd(16)}${'runtime'.padEnd(9)}${pad('threads', 8)}${pad('s/out MP', 10)}${pad('peak RSS', 10)}${pad('vs tfjs', 9)}`);
for (const size of MODEL_SIZES) {
  // TensorFlow.js (wasm, one thread in Node) is the baseline each onnxruntime figure is compared with.
  const baseline = await measure(['speed', size, 'tfjs', 1, 128, 4]);
  const onnx = await measure(['speed', size, 'onnx', THREADS, 128, 4]);
  for (const [runtime, threads, result] of [['tfjs', 1, baseline], ['onnx', THREADS, onnx]] as const) {
    const speedup = baseline.secondsPerOutputMegapixel! / result.secondsPerOutputMegapixel!;
    console.log(
      `${`esrgan-${size}`.padEnd(16)}${runtime.padEnd(9)}${pad(threads, 8)}${pad(result.secondsPerOutputMegapixel!.toFixed(2), 10)}${pad(`${result.peakRssMegabytes!.toFixed(0)} MB`, 10)}${pad(`${speedup.toFixed(1)}×`, 9)}`,
    );
  }
}

const { model: defaultModel, maxTile } = loadConfig({}).enhance;
console.log(`\nTarget: 512×512 → 2048×2048 through the whole pipeline (decode, ${maxTile}-pixel tiles, blend, PNG encode)`);
const targets: { size: ModelSize; seconds: number; rss: number; gain: number }[] = [];
for (const size of MODEL_SIZES) {
  const result = await measure(['target', size, 'onnx', THREADS]);
  const bicubic = rows.find((row) => row.scale === 4 && row.method === 'bicubic')!.mean;
  const gain = rows.find((row) => row.scale === 4 && row.method === `esrgan-${size}`)!.mean - bicubic;
  targets.push({ size, seconds: result.seconds!, rss: result.peakRssMegabytes!, gain });
  const meets = result.seconds! <= TARGET.seconds && result.peakRssMegabytes! <= TARGET.peakRssMegabytes && gain >= TARGET.gainDb;
  console.log(
    `esrgan-${size.padEnd(7)} onnx ${pad(result.seconds!.toFixed(1), 6)} s  peak RSS ${pad(result.peakRssMegabytes!.toFixed(0), 5)} MB  ×4 gain ${gain >= 0 ? '+' : ''}${gain.toFixed(2)} dB  ${meets ? 'meets' : 'misses'} the target (≤ ${TARGET.seconds} s, < ${TARGET.peakRssMegabytes} MB, ≥ +${TARGET.gainDb} dB)${size === defaultModel ? '  ← default' : ''}`,
  );
}
const best = targets.filter((t) => t.seconds <= TARGET.seconds && t.rss <= TARGET.peakRssMegabytes && t.gain >= TARGET.gainDb).sort((a, b) => b.gain - a.gain)[0];
console.log(`\nBest quality within the target: ${best ? `esrgan-${best.size}` : 'none'}; configured default: esrgan-${defaultModel}`);
if (best && best.size !== defaultModel) process.exitCode = 1;
