import type { ModelSize, Precision, RuntimeName, Scale } from '../catalog.ts';
import { readKerasModel } from './esrgan-models.ts';
import { encodeImage, resizeLanczos, type DecodedImage, type OutputFormat } from './image-io.ts';
import { createOnnxSession, createTfjsSession, type SuperResolutionSession } from './runtimes.ts';
import { upscaleTiled } from './tiling.ts';

/** Input pixels of context each tile gets from its neighbours; enough that stitching is invisible. */
export const TILE_OVERLAP = 16;

export interface EngineOptions {
  model: ModelSize;
  runtime: RuntimeName;
  /** int8 on onnxruntime only; fp32 when left out. */
  precision?: Precision;
  /** Threads for one inference (onnxruntime's intra-op pool). */
  threads: number;
  /** Largest tile side fed to the model, in input pixels; bounds memory. */
  maxTile: number;
  overlap: number;
}

export interface EnhanceJob extends DecodedImage {
  scale: Scale;
  strength: number;
  format: OutputFormat;
}

export interface EnhanceOutput {
  bytes: Uint8Array;
  width: number;
  height: number;
}

/**
 * How much of the model's reconstruction is used over a Lanczos upscale: strength/10.
 * 10 is the model's own output, 1 is 10% of its detail on top of Lanczos; monotonic in between.
 */
export function strengthWeight(strength: number): number {
  return Math.min(Math.max(strength, 1), 10) / 10;
}

export function blend(classical: Uint8Array, reconstructed: Float32Array, weight: number): Uint8Array {
  const out = new Uint8Array(classical.length);
  for (let i = 0; i < classical.length; i++) {
    const value = classical[i]! + (reconstructed[i]! - classical[i]!) * weight;
    out[i] = value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
  }
  return out;
}

/** One model per scale, loaded on first use and kept. */
export class EnhanceEngine {
  private readonly sessions = new Map<Scale, Promise<{ session: SuperResolutionSession; inputMax: number }>>();

  constructor(readonly options: EngineOptions) {}

  private load(scale: Scale) {
    let loaded = this.sessions.get(scale);
    if (!loaded) {
      const model = readKerasModel(this.options.model, scale);
      const session = this.options.runtime === 'onnx' ? createOnnxSession(model, this.options.threads, this.options.precision) : createTfjsSession(model);
      loaded = session.then((ready) => ({ session: ready, inputMax: model.inputMax }));
      this.sessions.set(scale, loaded);
    }
    return loaded;
  }

  /** The model's own output, 0–255 floats, tiled. */
  async reconstruct(image: DecodedImage, scale: Scale, signal?: AbortSignal, onTile?: (done: number, total: number) => void): Promise<Float32Array> {
    const { session, inputMax } = await this.load(scale);
    return upscaleTiled(session, image.rgb, image.width, image.height, {
      scale,
      inputMax,
      maxTile: this.options.maxTile,
      overlap: this.options.overlap,
      ...(signal ? { signal } : {}),
      ...(onTile ? { onTile } : {}),
    });
  }

  async enhance(job: EnhanceJob, signal?: AbortSignal, onTile?: (done: number, total: number) => void): Promise<EnhanceOutput> {
    const width = job.width * job.scale;
    const height = job.height * job.scale;
    const reconstructed = await this.reconstruct(job, job.scale, signal, onTile);
    const classical = await resizeLanczos(job.rgb, 3, job.width, job.height, job.scale);
    const rgb = blend(classical, reconstructed, strengthWeight(job.strength));
    const alpha = job.alpha && (await resizeLanczos(job.alpha, 1, job.width, job.height, job.scale));
    const bytes = await encodeImage(rgb, alpha, width, height, job.format);
    return { bytes, width, height };
  }

  async dispose(): Promise<void> {
    for (const loaded of this.sessions.values()) await (await loaded).session.dispose();
    this.sessions.clear();
  }
}
