// First: it has to be in the environment before onnxruntime-node loads.
import './onnx-telemetry.ts';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { ModelSize, Scale } from '../catalog.ts';
import type { KerasModel } from './esrgan-models.ts';
import { kerasToOnnx } from './keras-to-onnx.ts';
import { kerasToOnnxInt8, type ActivationRanges } from './keras-to-onnx-int8.ts';

/**
 * Int8 calibration: the range each layer's output takes on a few photo crops, measured with
 * the fp32 graph, then narrowed by the one factor that brings the int8 output closest to the
 * fp32 output on those crops (min/max ranges are set by rare extremes; clipping those costs
 * less than the coarser steps they force on every other value). The ranges for every model
 * and scale are committed (calibration/ranges.json) so a server never calibrates at startup;
 * `pnpm calibrate` measures them again from the crops listed here, and gives the same file on
 * any machine that runs the same onnxruntime.
 */
export const CALIBRATION_SIDE = 128;
/** Two crops of each benchmark photograph (bench/photos), at fixed fractions of its free space. */
export const CALIBRATION_CROPS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg'].flatMap((photo) =>
  [0.25, 0.75].map((fraction) => ({ photo, fraction })),
);

/** Factors tried on the measured ranges, widest first. */
export const RANGE_FACTORS = [1, 0.9, 0.8, 0.7, 0.6, 0.5];

export async function calibrationCrops(photosDirectory: string): Promise<Uint8Array[]> {
  return Promise.all(
    CALIBRATION_CROPS.map(async ({ photo, fraction }) => {
      const image = sharp(path.join(photosDirectory, photo));
      const { width, height } = await image.metadata();
      const left = Math.floor((width! - CALIBRATION_SIDE) * fraction);
      const top = Math.floor((height! - CALIBRATION_SIDE) * fraction);
      return new Uint8Array(await image.extract({ left, top, width: CALIBRATION_SIDE, height: CALIBRATION_SIDE }).removeAlpha().raw().toBuffer());
    }),
  );
}

export type RangesFile = Record<string, ActivationRanges>;
export const rangesKey = (size: ModelSize, scale: Scale) => `esrgan-${size}-x${scale}`;
const RANGES_FILE = new URL('./calibration/ranges.json', import.meta.url);

let committed: RangesFile | undefined;
export function committedRanges(size: ModelSize, scale: Scale): ActivationRanges {
  committed ??= JSON.parse(fs.readFileSync(RANGES_FILE, 'utf8')) as RangesFile;
  const ranges = committed[rangesKey(size, scale)];
  if (!ranges) throw new Error(`no int8 calibration for ${rangesKey(size, scale)}: run pnpm calibrate`);
  return ranges;
}

const SESSION_OPTIONS = { intraOpNumThreads: 2, graphOptimizationLevel: 'all' } as const;
const asInput = (model: KerasModel, crop: Uint8Array) => new ort.Tensor('float32', Float32Array.from(crop, (value) => (value / 255) * model.inputMax), [1, CALIBRATION_SIDE, CALIBRATION_SIDE, 3]);

/** The lowest and highest value of every layer over the crops (CALIBRATION_SIDE², RGB). */
export async function measureRanges(model: KerasModel, crops: Uint8Array[]): Promise<ActivationRanges> {
  const session = await ort.InferenceSession.create(kerasToOnnx(model, { calibration: true }), SESSION_OPTIONS);
  const ranges: Record<string, [number, number]> = {};
  try {
    for (const crop of crops) {
      const outputs = await session.run({ [session.inputNames[0]!]: asInput(model, crop) });
      for (const layer of model.layers) {
        const low = outputs[`${layer.name}/min`]?.data[0] as number | undefined;
        const high = outputs[`${layer.name}/max`]?.data[0] as number | undefined;
        if (low === undefined || high === undefined) continue;
        const seen = ranges[layer.name];
        ranges[layer.name] = seen ? [Math.min(seen[0], low), Math.max(seen[1], high)] : [low, high];
      }
    }
  } finally {
    await session.release();
  }
  return ranges;
}

export const scaleRanges = (ranges: ActivationRanges, factor: number): ActivationRanges =>
  Object.fromEntries(Object.entries(ranges).map(([name, [low, high]]) => [name, [low * factor, high * factor] as const]));

/** PSNR (0–255 levels) of the int8 output against the fp32 output over the crops. */
export async function int8Fidelity(model: KerasModel, crops: Uint8Array[], ranges: ActivationRanges): Promise<number> {
  const reference = await ort.InferenceSession.create(kerasToOnnx(model), SESSION_OPTIONS);
  const quantized = await ort.InferenceSession.create(kerasToOnnxInt8(model, { ranges, weightBits: 8 }), SESSION_OPTIONS);
  const level = (value: number) => Math.min(255, Math.max(0, Math.round((value / model.inputMax) * 255)));
  let squared = 0;
  let count = 0;
  try {
    for (const crop of crops) {
      const [a, b] = await Promise.all(
        [reference, quantized].map(async (session) => {
          const outputs = await session.run({ [session.inputNames[0]!]: asInput(model, crop) });
          return outputs[session.outputNames[0]!]!.data as Float32Array;
        }),
      );
      for (let i = 0; i < a!.length; i++) squared += (level(a![i]!) - level(b![i]!)) ** 2;
      count += a!.length;
    }
  } finally {
    await Promise.all([reference.release(), quantized.release()]);
  }
  return 10 * Math.log10((255 * 255) / (squared / count));
}
