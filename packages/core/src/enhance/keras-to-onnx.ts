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

type Node = onnxProto.onnx.INodeProto;
type Tensor = onnxProto.onnx.ITensorProto;

/**
 * A Conv2D's weights (OIHW), bias and geometry; only what these models use is accepted.
 * "same" with stride 1 and an odd kernel is a symmetric pad of (k - 1) / 2; "valid" is none.
 */
export function convolution(model: KerasModel, layer: KerasLayer) {
  const { config } = layer;
  const [kh, kw] = config.kernel_size as [number, number];
  if (config.strides.some((s: number) => s !== 1) || config.dilation_rate.some((d: number) => d !== 1) || config.groups !== 1) {
    throw new Error(`unsupported Conv2D configuration in ${layer.name}`);
  }
  if (config.activation !== 'linear') throw new Error(`unsupported fused activation ${config.activation} in ${layer.name}`);
  const padH = config.padding === 'same' ? (kh - 1) / 2 : 0;
  const padW = config.padding === 'same' ? (kw - 1) / 2 : 0;
  if (!Number.isInteger(padH) || !Number.isInteger(padW)) throw new Error(`even kernel with "same" padding in ${layer.name}`);
  const kernel = model.weights.get(`${layer.name}/kernel`)!;
  return {
    outputs: kernel.shape[3]!,
    dims: [kernel.shape[3]!, kernel.shape[2]!, kh, kw],
    weights: hwioToOihw(kernel.data, kernel.shape),
    bias: model.weights.get(`${layer.name}/bias`),
    attributes: [ints('kernel_shape', [kh, kw]), ints('pads', [padH, padW, padH, padW]), ints('strides', [1, 1]), ints('dilations', [1, 1])],
  };
}

/** A float NCHW convolution node, its weights added to `initializers`. */
export function floatConvolution(model: KerasModel, layer: KerasLayer, input: string, initializers: Tensor[]): Node {
  const conv = convolution(model, layer);
  initializers.push(floatTensor(`${layer.name}/W`, conv.dims, conv.weights));
  if (conv.bias) initializers.push(floatTensor(`${layer.name}/B`, conv.bias.shape, conv.bias.data));
  return { opType: 'Conv', input: [input, `${layer.name}/W`, ...(conv.bias ? [`${layer.name}/B`] : [])], output: [layer.name], attribute: conv.attributes };
}

/** RRDN's MultiplyBeta in float: x × β. */
export function multiplyBeta(layer: KerasLayer, input: string, initializers: Tensor[]): Node {
  const beta = `${layer.name}/beta`;
  initializers.push(floatTensor(beta, [], new Float32Array([layer.config.beta ?? 0.2])));
  return { opType: 'Mul', input: [input, beta], output: [layer.name] };
}

/** UpSampling2D (nearest) or PixelShuffleNx on an NCHW float input. */
export function upsampling(layer: KerasLayer, input: string, initializers: Tensor[]): Node {
  const { class_name: kind, config } = layer;
  if (kind === 'UpSampling2D') {
    if (config.interpolation !== 'nearest') throw new Error(`unsupported upsampling ${config.interpolation}`);
    const scales = `${layer.name}/scales`;
    initializers.push(floatTensor(scales, [4], new Float32Array([1, 1, config.size[0], config.size[1]])));
    return {
      opType: 'Resize',
      input: [input, '', scales],
      output: [layer.name],
      attribute: [str('mode', 'nearest'), str('nearest_mode', 'floor'), str('coordinate_transformation_mode', 'asymmetric')],
    };
  }
  const shuffle = /^PixelShuffle(\d)x$/.exec(kind);
  if (!shuffle) throw new Error(`unsupported layer ${kind} (${layer.name})`);
  // tf.depthToSpace in NHWC orders channels as (block_y, block_x, channel): ONNX's DCR mode.
  return { opType: 'DepthToSpace', input: [input], output: [layer.name], attribute: [int('blocksize', Number(shuffle[1])), str('mode', 'DCR')] };
}

/** The model around a graph: NHWC float in (`model.inputName`) and out (`output`), any extra outputs. */
export function encodeModel(
  model: KerasModel,
  graph: { name: string; producer: string; nodes: Node[]; initializers: Tensor[]; extraOutputs?: onnxProto.onnx.IValueInfoProto[]; domains?: string[] },
): Uint8Array {
  const dims = (names: string[]) => ({ dim: names.map((dimParam, index) => (index === 3 ? { dimValue: 3 } : { dimParam })) });
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: graph.producer,
    opsetImport: [{ domain: '', version: 13 }, ...(graph.domains ?? []).map((domain) => ({ domain, version: 1 }))],
    graph: {
      name: graph.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [{ name: model.inputName, type: { tensorType: { elemType: FLOAT, shape: dims(['n', 'h', 'w', 'c']) } } }],
      output: [{ name: 'output', type: { tensorType: { elemType: FLOAT, shape: dims(['n', 'H', 'W', 'c']) } } }, ...(graph.extraOutputs ?? [])],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}

/**
 * `calibration` adds every layer's lowest and highest value as graph outputs
 * (`<layer>/min`, `<layer>/max`): what int8 calibration reads, without keeping every
 * activation of a large crop alive at once.
 */
export function kerasToOnnx(model: KerasModel, { calibration = false } = {}): Uint8Array {
  const nodes: Node[] = [];
  const initializers: Tensor[] = [];
  const inputsOf = (layer: KerasLayer) => layer.inbound_nodes[0]?.map(([name]) => name) ?? [];
  const nchwInput = `${model.inputName}__nchw`;

  for (const layer of model.layers) {
    const { class_name: kind, config } = layer;
    const inputs = inputsOf(layer);
    switch (kind) {
      case 'InputLayer':
        nodes.push({ opType: 'Transpose', input: [layer.name], output: [nchwInput], attribute: [ints('perm', [0, 3, 1, 2])] });
        break;
      case 'Conv2D':
        nodes.push(floatConvolution(model, layer, inputs[0] === model.inputName ? nchwInput : inputs[0]!, initializers));
        break;
      case 'Activation':
        if (config.activation !== 'relu') throw new Error(`unsupported activation ${config.activation}`);
        nodes.push({ opType: 'Relu', input: inputs, output: [layer.name] });
        break;
      case 'Concatenate':
        if (config.axis !== 3 && config.axis !== -1) throw new Error(`unsupported concat axis ${config.axis}`);
        nodes.push({ opType: 'Concat', input: inputs, output: [layer.name], attribute: [int('axis', 1)] });
        break;
      case 'Add':
        nodes.push({ opType: inputs.length === 2 ? 'Add' : 'Sum', input: inputs, output: [layer.name] });
        break;
      case 'MultiplyBeta':
        nodes.push(multiplyBeta(layer, inputs[0]!, initializers));
        break;
      default:
        nodes.push(upsampling(layer, inputs[0]!, initializers));
    }
  }
  nodes.push({ opType: 'Transpose', input: [model.outputName], output: ['output'], attribute: [ints('perm', [0, 2, 3, 1])] });
  const observed = calibration ? model.layers.filter((layer) => layer.class_name !== 'InputLayer').map((layer) => layer.name) : [];
  for (const name of observed) {
    nodes.push({ opType: 'ReduceMin', input: [name], output: [`${name}/min`], attribute: [int('keepdims', 0)] });
    nodes.push({ opType: 'ReduceMax', input: [name], output: [`${name}/max`], attribute: [int('keepdims', 0)] });
  }
  return encodeModel(model, {
    name: `esrgan-${model.size}-x${model.scale}`,
    producer: 'aiphoto-keras-to-onnx',
    nodes,
    initializers,
    extraOutputs: observed.flatMap((name) => ['min', 'max'].map((end) => ({ name: `${name}/${end}`, type: { tensorType: { elemType: FLOAT, shape: { dim: [] } } } }))),
  });
}
