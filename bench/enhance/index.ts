import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { MODEL_SIZES, PRECISIONS, SCALES, loadConfig, type ModelSize, type Precision, type Scale } from '@aiphoto/core';
import { EnhanceEngine, TILE_OVERLAP, resizeLanczos } from '@aiphoto/core/enhance';
import { createKey, startService } from '../lib/processes.ts';
import { selfEnsemble } from './ensemble.ts';

/**
 * bench/enhance: quality, speed and memory of every super-resolution model in both precisions,
 * each next to a baseline measured in the same run (bicubic for quality, fp32 for int8,
 * TensorFlow.js for onnxruntime).
 *
 * Quality follows the usual super-resolution protocol: downscale each photograph by the
 * scale with bicubic, upscale it back, and compare with the original by PSNR on the
 * luminance (BT.601 Y) channel, ignoring a border as wide as the scale. Int8 is also compared
 * with the fp32 output itself (PSNR on all three channels).
 */
const run = promisify(execFile);
const here = import.meta.dirname;
const PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg'];
const THREADS = 2;
const TARGET = { int8Seconds: 8, peakRssMegabytes: 1024, int8LossDb: 0.05, int8VersusFp32Db: 45 };
const misses: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) misses.push(what);
  return ok ? 'meets' : 'MISSES';
};

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

function psnr(a: Uint8Array, b: Uint8Array): number {
  let squared = 0;
  for (let i = 0; i < a.length; i++) squared += (a[i]! - b[i]!) ** 2;
  return squared === 0 ? Infinity : 10 * Math.log10((255 * 255) / (squared / a.length));
}

const toBytes = (values: Float32Array) => Uint8Array.from(values, (v) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v)));
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const pad = (value: string | number, width: number) => String(value).padStart(width);
const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;

interface QualityRow {
  scale: Scale;
  method: string;
  psnr: number[];
  /** int8 rows: PSNR of the output against the fp32 output, per photo. */
  versusFp32: number[];
}

async function quality(): Promise<QualityRow[]> {
  const { maxTile } = loadConfig({}).enhance;
  const rows: QualityRow[] = [];
  const row = (scale: Scale, method: string) => {
    let found = rows.find((r) => r.scale === scale && r.method === method);
    if (!found) rows.push((found = { scale, method, psnr: [], versusFp32: [] }));
    return found;
  };
  for (const size of MODEL_SIZES) {
    const engines = Object.fromEntries(PRECISIONS.map((precision) => [precision, new EnhanceEngine({ model: size, runtime: 'onnx', precision, threads: THREADS, maxTile, overlap: TILE_OVERLAP })]));
    for (const scale of SCALES) {
      for (const file of PHOTOS) {
        const { width, height } = await sharp(path.join(here, '../photos', file)).metadata();
        const w = Math.floor(width! / scale) * scale;
        const h = Math.floor(height! / scale) * scale;
        const original = await sharp(path.join(here, '../photos', file)).extract({ left: 0, top: 0, width: w, height: h }).removeAlpha().raw().toBuffer();
        const small = await sharp(original, { raw: { width: w, height: h, channels: 3 } }).resize(w / scale, h / scale, { kernel: 'cubic' }).raw().toBuffer();
        if (size === MODEL_SIZES[0]) {
          const bicubic = await sharp(small, { raw: { width: w / scale, height: h / scale, channels: 3 } }).resize(w, h, { kernel: 'cubic' }).raw().toBuffer();
          row(scale, 'bicubic').psnr.push(psnrY(bicubic, original, w, h, scale));
          row(scale, 'lanczos').psnr.push(psnrY(await resizeLanczos(small, 3, w / scale, h / scale, scale), original, w, h, scale));
        }
        const image = { width: w / scale, height: h / scale, rgb: small, alpha: undefined };
        const fp32 = toBytes(await engines.fp32!.reconstruct(image, scale));
        const int8 = toBytes(await engines.int8!.reconstruct(image, scale));
        row(scale, `esrgan-${size} fp32`).psnr.push(psnrY(fp32, original, w, h, scale));
        const int8Row = row(scale, `esrgan-${size} int8`);
        int8Row.psnr.push(psnrY(int8, original, w, h, scale));
        int8Row.versusFp32.push(psnr(int8, fp32));
      }
    }
    for (const engine of Object.values(engines)) await engine.dispose();
  }
  return rows;
}

async function measure(args: (string | number)[]) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(here, 'measure.ts'), ...args.map(String)], { cwd: here, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}

/** One enhance through `pnpm start`'s server, over HTTP: seconds and the server's peak RSS. */
async function overHttp(model: ModelSize, precision: Precision, inputSide: number, scale: Scale) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-bench-'));
  const key = await createKey(dataDir, 1_000_000);
  const service = await startService({ AIPHOTO_DATA_DIR: dataDir, AIPHOTO_ENHANCE_MODEL: model, AIPHOTO_ENHANCE_PRECISION: precision, AIPHOTO_ENHANCE_JOB_TIMEOUT_MS: '600000', AIPHOTO_REQUEST_TIMEOUT_MS: '600000' });
  try {
    const enhance = async (side: number) => {
      const photo = await sharp(path.join(here, '../photos/astronaut.png')).resize(side, side).png().toBuffer();
      const form = new FormData();
      form.set('image', new Blob([photo], { type: 'image/png' }), 'astronaut.png');
      form.set('scale', String(scale));
      const started = performance.now();
      const response = await fetch(`${service.url}/api/enhance`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
      const body = (await response.json()) as { enhanced_size?: string; error?: unknown };
      if (!response.ok) throw new Error(`enhance answered ${response.status}: ${JSON.stringify(body)}`);
      return { seconds: (performance.now() - started) / 1000, size: body.enhanced_size! };
    };
    // The first request after a start also converts and loads the model: a steady service
    // has done that already, so a tiny photo pays for it and the figure is the second request.
    const loading = await enhance(16);
    const measured = await enhance(inputSide);
    return { ...measured, loadSeconds: loading.seconds, peakRssMegabytes: service.peakRssMegabytes() };
  } finally {
    await service.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const defaults = loadConfig({});
console.log(`bench/enhance — ${PHOTOS.length} photographs (bench/photos), ${THREADS} threads for onnxruntime; this CPU: ${defaults.enhance.precisionReason}\n`);

const rows = await quality();
console.log('Quality: mean luminance PSNR (dB) after a bicubic downscale, the gain over bicubic, and for int8 the loss against fp32 and the PSNR of its output against the fp32 output (lowest photo)');
console.log(`${'scale'.padEnd(6)}${'method'.padEnd(22)}${pad('PSNR', 8)}${pad('gain', 8)}${pad('int8 loss', 11)}${pad('vs fp32', 9)}   per photo`);
for (const scale of SCALES) {
  const baseline = mean(rows.find((row) => row.scale === scale && row.method === 'bicubic')!.psnr);
  for (const row of rows.filter((r) => r.scale === scale)) {
    const gain = mean(row.psnr) - baseline;
    let int8 = '';
    if (row.method.endsWith('int8')) {
      const fp32 = mean(rows.find((r) => r.scale === scale && r.method === row.method.replace('int8', 'fp32'))!.psnr);
      const loss = fp32 - mean(row.psnr);
      const lowest = Math.min(...row.versusFp32);
      int8 = `${pad(loss.toFixed(3), 11)}${pad(lowest.toFixed(1), 9)}   ${check(loss <= TARGET.int8LossDb && lowest >= TARGET.int8VersusFp32Db, `${row.method} ×${scale} quality`)}`;
    }
    console.log(`${`×${scale}`.padEnd(6)}${row.method.padEnd(22)}${pad(mean(row.psnr).toFixed(2), 8)}${pad(signed(gain), 8)}${int8.padEnd(27)}   ${row.psnr.map((p) => p.toFixed(2)).join(' ')}`);
  }
}
console.log(`  targets for int8: loss ≤ ${TARGET.int8LossDb} dB, ≥ ${TARGET.int8VersusFp32Db} dB against fp32 on every photo`);

// Self-ensemble is offered only if it gains at least 0.1 dB: measured on the default model.
{
  const engine = new EnhanceEngine({ model: defaults.enhance.model, runtime: 'onnx', precision: defaults.enhance.precision, threads: THREADS, maxTile: defaults.enhance.maxTile, overlap: TILE_OVERLAP });
  const gains: number[] = [];
  let plainSeconds = 0;
  let ensembleSeconds = 0;
  for (const file of PHOTOS) {
    const scale = 4;
    const { width, height } = await sharp(path.join(here, '../photos', file)).metadata();
    const w = Math.floor(width! / scale) * scale;
    const h = Math.floor(height! / scale) * scale;
    const original = await sharp(path.join(here, '../photos', file)).extract({ left: 0, top: 0, width: w, height: h }).removeAlpha().raw().toBuffer();
    const small = await sharp(original, { raw: { width: w, height: h, channels: 3 } }).resize(w / scale, h / scale, { kernel: 'cubic' }).raw().toBuffer();
    let started = performance.now();
    const plain = toBytes(await engine.reconstruct({ width: w / scale, height: h / scale, rgb: small, alpha: undefined }, scale));
    plainSeconds += (performance.now() - started) / 1000;
    started = performance.now();
    const ensemble = toBytes(await selfEnsemble(engine, small, w / scale, h / scale, scale));
    ensembleSeconds += (performance.now() - started) / 1000;
    gains.push(psnrY(ensemble, original, w, h, scale) - psnrY(plain, original, w, h, scale));
  }
  await engine.dispose();
  const gain = mean(gains);
  console.log(
    `\nSelf-ensemble (8 flips and rotations averaged), esrgan-${defaults.enhance.model} ${defaults.enhance.precision} ×4: ${gain >= 0 ? "+" : ""}${gain.toFixed(3)} dB for ${(ensembleSeconds / plainSeconds).toFixed(1)}× the time — ${gain >= 0.1 ? 'worth offering' : 'below the 0.1 dB that would make it worth offering; not offered'}`,
  );
}

console.log('\nSpeed: one 128×128 crop → ×4 (512×512), the model alone, each in its own process');
console.log(`${'model'.padEnd(16)}${'runtime'.padEnd(14)}${pad('s/out MP', 10)}${pad('peak RSS', 10)}${pad('vs tfjs', 9)}${pad('vs fp32', 9)}`);
for (const size of MODEL_SIZES) {
  // TensorFlow.js (wasm, one thread in Node) is the baseline each onnxruntime figure is compared with.
  const tfjs = await measure(['speed', size, 'tfjs', 1, 'fp32', 128, 4]);
  const fp32 = await measure(['speed', size, 'onnx', THREADS, 'fp32', 128, 4]);
  const int8 = await measure(['speed', size, 'onnx', THREADS, 'int8', 128, 4]);
  for (const [label, result] of [['tfjs 1 thread', tfjs], ['onnx fp32', fp32], ['onnx int8', int8]] as const) {
    const versusTfjs = tfjs.secondsPerOutputMegapixel! / result.secondsPerOutputMegapixel!;
    const versusFp32 = label === 'onnx int8' ? `${(fp32.secondsPerOutputMegapixel! / result.secondsPerOutputMegapixel!).toFixed(2)}×` : '';
    console.log(
      `${`esrgan-${size}`.padEnd(16)}${label.padEnd(14)}${pad(result.secondsPerOutputMegapixel!.toFixed(2), 10)}${pad(`${result.peakRssMegabytes!.toFixed(0)} MB`, 10)}${pad(`${versusTfjs.toFixed(1)}×`, 9)}${pad(versusFp32, 9)}`,
    );
  }
}

console.log(`\nOver HTTP: POST /api/enhance to the service as pnpm start runs it (decode, ${defaults.enhance.maxTile}-pixel tiles, blend, PNG encode, store), after one tiny enhance has loaded the model; the server's peak RSS`);
for (const size of MODEL_SIZES) {
  const fp32 = await overHttp(size, 'fp32', 512, 4);
  const int8 = await overHttp(size, 'int8', 512, 4);
  const isDefault = size === defaults.enhance.model;
  const verdict = isDefault ? `  ${check(int8.seconds <= TARGET.int8Seconds && int8.peakRssMegabytes <= TARGET.peakRssMegabytes, 'int8 512²→2048² over HTTP')} (≤ ${TARGET.int8Seconds} s, ≤ ${TARGET.peakRssMegabytes} MB)  ← default` : '';
  console.log(
    `esrgan-${size.padEnd(7)} 512² → ${int8.size} ×4   fp32 ${pad(fp32.seconds.toFixed(1), 5)} s ${pad(fp32.peakRssMegabytes.toFixed(0), 5)} MB   int8 ${pad(int8.seconds.toFixed(1), 5)} s ${pad(int8.peakRssMegabytes.toFixed(0), 5)} MB   ${(fp32.seconds / int8.seconds).toFixed(2)}× faster   (model load: fp32 ${fp32.loadSeconds.toFixed(1)} s, int8 ${int8.loadSeconds.toFixed(1)} s)${verdict}`,
  );
}

// The largest job one unit buys with the default limits: the whole input limit at the scale
// that reaches the output limit.
console.log('\nThe largest accepted job, default model and limits, over HTTP');
for (const precision of PRECISIONS) {
  const { limits } = loadConfig({ AIPHOTO_ENHANCE_PRECISION: precision });
  const side = Math.floor(Math.sqrt(limits.maxInputPixels));
  const scale = [...SCALES].reverse().find((candidate) => (side * candidate) ** 2 <= limits.maxOutputPixels)!;
  const result = await overHttp(defaults.enhance.model, precision, side, scale);
  console.log(`${precision}: ${side}² ×${scale} → ${result.size}: ${result.seconds.toFixed(1)} s, peak RSS ${result.peakRssMegabytes.toFixed(0)} MB`);
}

if (misses.length > 0) {
  console.log(`\nMissed: ${misses.join('; ')}`);
  process.exitCode = 1;
}
