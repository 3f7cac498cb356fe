import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The ESRGAN super-resolution models that ship inside the @upscalerjs npm packages
 * (MIT, trained on DIV2K). Their weights are Keras layers models converted for
 * TensorFlow.js: a model.json topology plus binary weight shards, read from disk here.
 */
import type { ModelSize, Scale } from '../catalog.ts';

export interface KerasLayer {
  class_name: string;
  name: string;
  config: Record<string, any>;
  inbound_nodes: [string, number, number, Record<string, unknown>][][];
}

export interface KerasModel {
  size: ModelSize;
  scale: Scale;
  /** "rdn" (slim, medium) works on 0–255 pixels; "rrdn" (thick) on 0–1. */
  inputMax: 1 | 255;
  layers: KerasLayer[];
  inputName: string;
  outputName: string;
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  /** The raw files, for runtimes that load the Keras model themselves (TensorFlow.js). */
  modelJson: any;
  weightData: ArrayBuffer;
}

const require = createRequire(import.meta.url);

/** The package's folder; its `exports` hide package.json, so walk up from its entry point. */
export function packageDirectory(size: ModelSize): string {
  const name = `@upscalerjs/esrgan-${size}`;
  let directory = path.dirname(require.resolve(name));
  while (directory !== path.dirname(directory)) {
    const manifest = path.join(directory, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === name) return directory;
    directory = path.dirname(directory);
  }
  throw new Error(`cannot find the folder of ${name}`);
}

export function readKerasModel(size: ModelSize, scale: Scale): KerasModel {
  const directory = path.join(packageDirectory(size), 'models', `x${scale}`);
  const modelJson = JSON.parse(fs.readFileSync(path.join(directory, 'model.json'), 'utf8'));
  const config = modelJson.modelTopology.model_config.config;
  const manifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[] =
    modelJson.weightsManifest;

  const shards = manifest.flatMap((group) => group.paths.map((file) => fs.readFileSync(path.join(directory, file))));
  const joined = Buffer.concat(shards);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer;

  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  let offset = 0;
  for (const spec of manifest.flatMap((group) => group.weights)) {
    if (spec.dtype !== 'float32') throw new Error(`unsupported weight dtype ${spec.dtype} in ${spec.name}`);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    weights.set(spec.name, { shape: spec.shape, data: new Float32Array(weightData, offset, count) });
    offset += count * 4;
  }
  return {
    size,
    scale,
    inputMax: size === 'thick' ? 1 : 255,
    layers: config.layers,
    inputName: config.input_layers[0][0],
    outputName: config.output_layers[0][0],
    weights,
    modelJson,
    weightData,
  };
}
