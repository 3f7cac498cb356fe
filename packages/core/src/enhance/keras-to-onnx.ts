import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
import type { KerasLayer, KerasModel } from './esrgan-models.ts';

/**
 * Converts the ESRGAN Keras graphs to ONNX so they can run on onnxruntime-node, whose CPU
 * kernels are 4–5× faster per thread than TensorFlow.js's WebAssembly backend and use every
 * core. Only the layers these models contain are supported; anything else throws.
 *
 * Keras works in NHWC, ONNX convolutions in NCHW: the graph transposes once at each end and
 * runs NCHW in between (so Concatenate's channel axis 3 becomes 1).
 */
const FLOAT = onnx.TensorProto.DataType.FLOAT;

export function floatTensor(name: string, dims: number[], values: Float32Array): onnxProto.onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  };
}

export const ints = (name: string, values: number[]): onnxProto.onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints: values,
});
export const int = (name: string, value: number): onnxProto.onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INT,
  i: value,
});
export const str = (name: string, value: string): onnxProto.onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.STRING,
  s: new TextEncoder().encode(value),
});

/** Keras HWIO kernels become ONNX OIHW. */
export function hwioToOihw(data: Float32Array, [h, w, i, o]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < h!; y++) {
    for (let x = 0; x < w!; x++) {
      for (let c = 0; c < i!; c++) {
        for (let k = 0; k < o!; k++) {
          out[((k * i! + c) * h! + y) * w! + x] = data[((y * w! + x) * i! + c) * o! + k]!;
        }
      }
    }
  }
  return out;
}

/**
 * `calibration` adds every layer's lowest and highest value as graph outputs
 * (`<layer>/min`, `<layer>/max`): what int8 calibration reads, without keeping every
 * activation of a large crop alive at once.
 */
export function kerasToOnnx(model: KerasModel, { calibration = false } = {}): Uint8Array {
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const initializers: onnxProto.onnx.ITensorProto[] = [];
  const output = (layer: KerasLayer) => layer.name;
  const inputsOf = (layer: KerasLayer) => layer.inbound_nodes[0]!.map(([name]) => name);
  const nchwInput = `${model.inputName}__nchw`;

  for (const layer of model.layers) {
    const { class_name: kind, config } = layer;
    switch (kind) {
      case 'InputLayer':
        nodes.push({ opType: 'Transpose', input: [layer.name], output: [nchwInput], attribute: [ints('perm', [0, 3, 1, 2])] });
        break;
      case 'Conv2D': {
        const [kh, kw] = config.kernel_size as number[];
        if (config.strides.some((s: number) => s !== 1) || config.dilation_rate.some((d: number) => d !== 1) || config.groups !== 1) {
          throw new Error(`unsupported Conv2D configuration in ${layer.name}`);
        }
        if (config.activation !== 'linear') throw new Error(`unsupported fused activation ${config.activation} in ${layer.name}`);
        const kernel = model.weights.get(`${layer.name}/kernel`)!;
        const bias = model.weights.get(`${layer.name}/bias`);
        initializers.push(floatTensor(`${layer.name}/W`, [kernel.shape[3]!, kernel.shape[2]!, kh!, kw!], hwioToOihw(kernel.data, kernel.shape)));
        if (bias) initializers.push(floatTensor(`${layer.name}/B`, bias.shape, bias.data));
        // "same" with stride 1 and an odd kernel is a symmetric pad of (k - 1) / 2; "valid" is none.
        const padH = config.padding === 'same' ? (kh! - 1) / 2 : 0;
        const padW = config.padding === 'same' ? (kw! - 1) / 2 : 0;
        if (!Number.isInteger(padH) || !Number.isInteger(padW)) throw new Error(`even kernel with "same" padding in ${layer.name}`);
        nodes.push({
          opType: 'Conv',
          input: [...inputsOf(layer).map((name) => (name === model.inputName ? nchwInput : name)), `${layer.name}/W`, ...(bias ? [`${layer.name}/B`] : [])],
          output: [output(layer)],
          attribute: [ints('kernel_shape', [kh!, kw!]), ints('pads', [padH, padW, padH, padW]), ints('strides', [1, 1]), ints('dilations', [1, 1])],
        });
        break;
      }
      case 'Activation':
        if (config.activation !== 'relu') throw new Error(`unsupported activation ${config.activation}`);
        nodes.push({ opType: 'Relu', input: inputsOf(layer), output: [output(layer)] });
        break;
      case 'Concatenate':
        if (config.axis !== 3 && config.axis !== -1) throw new Error(`unsupported concat axis ${config.axis}`);
        nodes.push({ opType: 'Concat', input: inputsOf(layer), output: [output(layer)], attribute: [int('axis', 1)] });
        break;
      case 'Add':
        nodes.push({ opType: inputsOf(layer).length === 2 ? 'Add' : 'Sum', input: inputsOf(layer), output: [output(layer)] });
        break;
      case 'MultiplyBeta': {
        const beta = `${layer.name}/beta`;
        initializers.push(floatTensor(beta, [], new Float32Array([config.beta ?? 0.2])));
        nodes.push({ opType: 'Mul', input: [...inputsOf(layer), beta], output: [output(layer)] });
        break;
      }
      case 'UpSampling2D': {
        if (config.interpolation !== 'nearest') throw new Error(`unsupported upsampling ${config.interpolation}`);
        const scales = `${layer.name}/scales`;
        initializers.push(floatTensor(scales, [4], new Float32Array([1, 1, config.size[0], config.size[1]])));
        nodes.push({
          opType: 'Resize',
          input: [...inputsOf(layer), '', scales],
          output: [output(layer)],
          attribute: [str('mode', 'nearest'), str('nearest_mode', 'floor'), str('coordinate_transformation_mode', 'asymmetric')],
        });
        break;
      }
      default: {
        const shuffle = /^PixelShuffle(\d)x$/.exec(kind);
        if (!shuffle) throw new Error(`unsupported layer ${kind} (${layer.name})`);
        // tf.depthToSpace in NHWC orders channels as (block_y, block_x, channel): ONNX's DCR mode.
        nodes.push({
          opType: 'DepthToSpace',
          input: inputsOf(layer),
          output: [output(layer)],
          attribute: [int('blocksize', Number(shuffle[1])), str('mode', 'DCR')],
        });
      }
    }
  }
  nodes.push({ opType: 'Transpose', input: [model.outputName], output: ['output'], attribute: [ints('perm', [0, 2, 3, 1])] });
  const observed = calibration ? model.layers.filter((layer) => layer.class_name !== 'InputLayer').map((layer) => layer.name) : [];
  for (const name of observed) {
    nodes.push({ opType: 'ReduceMin', input: [name], output: [`${name}/min`], attribute: [int('keepdims', 0)] });
    nodes.push({ opType: 'ReduceMax', input: [name], output: [`${name}/max`], attribute: [int('keepdims', 0)] });
  }

  const dims = (names: string[]) => ({ dim: names.map((dimParam, index) => (index === 3 ? { dimValue: 3 } : { dimParam })) });
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'aiphoto-keras-to-onnx',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: `esrgan-${model.size}-x${model.scale}`,
      node: nodes,
      initializer: initializers,
      input: [{ name: model.inputName, type: { tensorType: { elemType: FLOAT, shape: dims(['n', 'h', 'w', 'c']) } } }],
      output: [
        { name: 'output', type: { tensorType: { elemType: FLOAT, shape: dims(['n', 'H', 'W', 'c']) } } },
        ...observed.flatMap((name) => ['min', 'max'].map((end) => ({ name: `${name}/${end}`, type: { tensorType: { elemType: FLOAT, shape: { dim: [] } } } }))),
      ],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}
