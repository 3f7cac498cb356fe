// First: it has to be in the environment before onnxruntime-node loads.
import './onnx-telemetry.ts';
import * as ort from 'onnxruntime-node';
import type { Precision } from '../catalog.ts';
import { committedRanges } from './calibration.ts';
import type { KerasModel } from './esrgan-models.ts';
import { kerasToOnnx } from './keras-to-onnx.ts';
import { kerasToOnnxInt8 } from './keras-to-onnx-int8.ts';
import { cpuHasVnni } from './precision.ts';

/** Runs one model on NHWC float tiles of any size; values in the model's own input range. */
export interface SuperResolutionSession {
  run(input: Float32Array, height: number, width: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}


export async function createOnnxSession(model: KerasModel, threads: number, precision: Precision = 'fp32'): Promise<SuperResolutionSession> {
  const graph =
    precision === 'int8'
      ? kerasToOnnxInt8(model, { ranges: committedRanges(model.size, model.scale), weightBits: cpuHasVnni() ? 8 : 7 })
      : kerasToOnnx(model);
  const session = await ort.InferenceSession.create(graph, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
  });
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  return {
    async run(input, height, width) {
      const feeds = { [inputName]: new ort.Tensor('float32', input, [1, height, width, 3]) };
      const result = await session.run(feeds);
      const tensor = result[outputName]!;
      const data = tensor.data as Float32Array;
      tensor.dispose();
      return data;
    },
    dispose: () => session.release(),
  };
}

/**
 * TensorFlow.js with its WebAssembly backend: the runtime the model packages were made for.
 * Loaded lazily so the ONNX path never pays for it.
 */
export async function createTfjsSession(model: KerasModel): Promise<SuperResolutionSession> {
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  if (tf.getBackend() !== 'wasm') {
    await tf.setBackend('wasm');
    await tf.ready();
  }
  registerCustomLayers(tf);
  const { modelTopology, weightsManifest } = model.modelJson;
  const layersModel = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology,
      weightSpecs: weightsManifest.flatMap((group: { weights: unknown[] }) => group.weights),
      weightData: model.weightData,
    }),
  );
  return {
    async run(input, height, width) {
      const output = tf.tidy(() => layersModel.predict(tf.tensor4d(input, [1, height, width, 3])) as import('@tensorflow/tfjs').Tensor);
      const data = (await output.data()) as Float32Array;
      output.dispose();
      return data;
    },
    async dispose() {
      layersModel.dispose();
    },
  };
}

let customLayersRegistered = false;

/** The thick (RRDN) models use two custom Keras layers; TensorFlow.js must know them by name. */
function registerCustomLayers(tf: typeof import('@tensorflow/tfjs')) {
  if (customLayersRegistered) return;
  customLayersRegistered = true;
  class MultiplyBeta extends tf.layers.Layer {
    static className = 'MultiplyBeta';
    override call(inputs: import('@tensorflow/tfjs').Tensor | import('@tensorflow/tfjs').Tensor[]) {
      return tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, 0.2);
    }
  }
  tf.serialization.registerClass(MultiplyBeta);
  for (const scale of [2, 3, 4, 8]) {
    class PixelShuffle extends tf.layers.Layer {
      static className = `PixelShuffle${scale}x`;
      override computeOutputShape(inputShape: number[]) {
        return [inputShape[0]!, inputShape[1]! * scale, inputShape[2]! * scale, 3];
      }
      override call(inputs: import('@tensorflow/tfjs').Tensor | import('@tensorflow/tfjs').Tensor[]) {
        return tf.depthToSpace((Array.isArray(inputs) ? inputs[0]! : inputs) as import('@tensorflow/tfjs').Tensor4D, scale, 'NHWC');
      }
    }
    tf.serialization.registerClass(PixelShuffle);
  }
}
