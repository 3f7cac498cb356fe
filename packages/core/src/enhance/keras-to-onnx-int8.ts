import onnxProto from 'onnx-proto';
import type { KerasLayer, KerasModel } from './esrgan-models.ts';
import { convolution, encodeModel, floatConvolution, floatTensor, int, ints, multiplyBeta, upsampling } from './keras-to-onnx.ts';

const { onnx } = onnxProto;
type Node = onnxProto.onnx.INodeProto;
type Tensor = onnxProto.onnx.ITensorProto;

/** The lowest and highest value each layer's output took on the calibration crops. */
export type ActivationRanges = Record<string, readonly [min: number, max: number]>;

export interface Int8Options {
  ranges: ActivationRanges;
  /**
   * 8 on CPUs with VNNI. Without VNNI, onnxruntime's u8×s8 kernels add pairs of products in
   * 16 bits (VPMADDUBSW), which saturates with full-range weights: 7 bits keep every pair in range.
   */
  weightBits: 7 | 8;
}

type Layout = 'nchw' | 'nhwc';

interface QuantizedValue {
  tensor: string;
  scale: number;
  zeroPoint: number;
  scaleName: string;
  zeroPointName: string;
}

const DT = onnx.TensorProto.DataType;
const MS = 'com.microsoft';
const raw = (name: string, dims: number[], dataType: number, values: ArrayBufferView): Tensor => ({
  name,
  dims,
  dataType,
  rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
});

/**
 * The int8 form of the same graph: convolutions run as onnxruntime's channels-last
 * `com.microsoft.QLinearConv` on uint8 activations (asymmetric, one scale per tensor, from
 * calibration) and int8 weights (symmetric, one scale per output channel), and the layers
 * between them stay in uint8 (`QLinearConcat`, `QLinearAdd`), so nothing is converted back to
 * float inside the network. A ReLU after a convolution costs nothing: an output quantized with
 * zero point 0 cannot go below 0. Multiplying by a constant (RRDN's residual scaling β) costs
 * nothing either: the same bytes are read with β times the scale.
 *
 * Where rounding shows, the graph stays in fp32: see `convolutionsKeptInFloat` and the
 * residual sums. It is NHWC from end to end except around the float convolutions.
 */
export function kerasToOnnxInt8(model: KerasModel, options: Int8Options): Uint8Array {
  const nodes: Node[] = [];
  const initializers: Tensor[] = [];
  const floats = new Map<string, Map<Layout, string>>();
  const quantized = new Map<string, QuantizedValue>();
  const consumers = new Map<string, KerasLayer[]>();
  const inputsOf = (layer: KerasLayer) => layer.inbound_nodes[0]?.map(([name]) => name) ?? [];
  for (const layer of model.layers) for (const input of inputsOf(layer)) consumers.set(input, [...(consumers.get(input) ?? []), layer]);
  const weightLimit = 2 ** (options.weightBits - 1) - 1;
  const floatConvolutions = convolutionsKeptInFloat(model, inputsOf);

  const rangeOf = (name: string): readonly [number, number] => {
    const range = options.ranges[name];
    if (!range) throw new Error(`no calibration range for layer ${name}`);
    return range;
  };

  const concatenationRanges = concatenationChainRanges(model, inputsOf, (name) => rangeOf(name));

  const declareQuantized = (name: string, tensor: string, [min, max]: readonly [number, number]): QuantizedValue => {
    // The range must hold 0 exactly (padding and ReLU are zeros) and must not be empty.
    const low = Math.min(min, 0);
    const high = Math.max(max, low + 1e-6, 0);
    const scale = (high - low) / 255;
    const zeroPoint = Math.min(255, Math.max(0, Math.round(-low / scale)));
    return aliasQuantized(name, tensor, scale, zeroPoint);
  };

  const aliasQuantized = (name: string, tensor: string, scale: number, zeroPoint: number): QuantizedValue => {
    const value = { tensor, scale, zeroPoint, scaleName: `${name}/q_scale`, zeroPointName: `${name}/q_zero_point` };
    initializers.push(floatTensor(value.scaleName, [], new Float32Array([scale])), raw(value.zeroPointName, [], DT.UINT8, new Uint8Array([zeroPoint])));
    quantized.set(name, value);
    return value;
  };

  /** A layer's output as uint8 NHWC, converted from its float form on first need. */
  const asQuantized = (name: string): QuantizedValue => {
    const found = quantized.get(name);
    if (found) return found;
    const value = declareQuantized(name, `${name}/q`, rangeOf(name));
    nodes.push({ opType: 'QuantizeLinear', input: [asFloat(name, 'nhwc'), value.scaleName, value.zeroPointName], output: [value.tensor] });
    return value;
  };

  /** A layer's output as float in either layout, converted on first need. */
  const asFloat = (name: string, layout: Layout): string => {
    const forms = floats.get(name) ?? new Map<Layout, string>();
    floats.set(name, forms);
    const found = forms.get(layout);
    if (found) return found;
    const other = forms.get(layout === 'nhwc' ? 'nchw' : 'nhwc');
    const tensor = `${name}/${layout}`;
    if (other) {
      nodes.push({ opType: 'Transpose', input: [other], output: [tensor], attribute: [ints('perm', layout === 'nhwc' ? [0, 2, 3, 1] : [0, 3, 1, 2])] });
    } else {
      const value = quantized.get(name);
      if (!value) throw new Error(`layer ${name} has no output yet`);
      const dequantized = layout === 'nhwc' ? tensor : `${name}/nhwc`;
      nodes.push({ opType: 'DequantizeLinear', input: [value.tensor, value.scaleName, value.zeroPointName], output: [dequantized] });
      forms.set('nhwc', dequantized);
      if (layout === 'nchw') return asFloat(name, layout);
    }
    forms.set(layout, tensor);
    return tensor;
  };
  const setFloat = (name: string, layout: Layout, tensor: string) => floats.set(name, new Map([[layout, tensor]]));

  for (const layer of model.layers) {
    const { class_name: kind, config } = layer;
    const inputs = inputsOf(layer);
    switch (kind) {
      case 'InputLayer':
        setFloat(layer.name, 'nhwc', layer.name);
        break;
      case 'Conv2D': {
        const [source] = inputs as [string];
        if (floatConvolutions.has(layer.name)) {
          nodes.push(floatConvolution(model, layer, asFloat(source, 'nchw'), initializers));
          setFloat(layer.name, 'nchw', layer.name);
          break;
        }
        const { outputs, dims, weights, bias, attributes: geometry } = convolution(model, layer);
        const input = asQuantized(source);
        const perChannel = weights.length / outputs;
        const weightScales = new Float32Array(outputs);
        const weightValues = new Int8Array(weights.length);
        const biasValues = new Int32Array(outputs);
        for (let o = 0; o < outputs; o++) {
          let largest = 0;
          for (let i = 0; i < perChannel; i++) largest = Math.max(largest, Math.abs(weights[o * perChannel + i]!));
          const scale = largest > 0 ? largest / weightLimit : 1;
          weightScales[o] = scale;
          for (let i = 0; i < perChannel; i++) weightValues[o * perChannel + i] = Math.round(weights[o * perChannel + i]! / scale);
          biasValues[o] = Math.round((bias?.data[o] ?? 0) / (input.scale * scale));
        }
        initializers.push(
          raw(`${layer.name}/Wq`, dims, DT.INT8, weightValues),
          floatTensor(`${layer.name}/W_scale`, [outputs], weightScales),
          raw(`${layer.name}/W_zero_point`, [outputs], DT.INT8, new Int8Array(outputs)),
          raw(`${layer.name}/Bq`, [outputs], DT.INT32, biasValues),
        );
        // A convolution read only by ReLUs is quantized on the ReLU's range, zero point 0.
        const readers = consumers.get(layer.name) ?? [];
        const reluOnly = readers.length > 0 && readers.every((reader) => reader.class_name === 'Activation' && reader.config.activation === 'relu');
        const output = reluOnly
          ? declareQuantized(layer.name, `${layer.name}/q`, [0, Math.max(...readers.map((reader) => rangeOf(reader.name)[1]))])
          : declareQuantized(layer.name, `${layer.name}/q`, rangeOf(layer.name));
        if (reluOnly) for (const reader of readers) quantized.set(reader.name, output);
        nodes.push({
          opType: 'QLinearConv',
          domain: MS,
          input: [input.tensor, input.scaleName, input.zeroPointName, `${layer.name}/Wq`, `${layer.name}/W_scale`, `${layer.name}/W_zero_point`, output.scaleName, output.zeroPointName, `${layer.name}/Bq`],
          output: [output.tensor],
          attribute: [...geometry, int('channels_last', 1)],
        });
        break;
      }
      case 'Activation': {
        if (config.activation !== 'relu') throw new Error(`unsupported activation ${config.activation}`);
        if (quantized.has(layer.name)) break; // folded into the convolution before it
        nodes.push({ opType: 'Relu', input: [asFloat(inputs[0]!, 'nhwc')], output: [layer.name] });
        setFloat(layer.name, 'nhwc', layer.name);
        break;
      }
      case 'Concatenate': {
        if (config.axis !== 3 && config.axis !== -1) throw new Error(`unsupported concat axis ${config.axis}`);
        const parts = inputs.map(asQuantized);
        const output = declareQuantized(layer.name, `${layer.name}/q`, concatenationRanges.get(layer.name)!);
        nodes.push({
          opType: 'QLinearConcat',
          domain: MS,
          input: [output.scaleName, output.zeroPointName, ...parts.flatMap((part) => [part.tensor, part.scaleName, part.zeroPointName])],
          output: [output.tensor],
          attribute: [int('axis', 3)],
        });
        break;
      }
      case 'Add': {
        // Residual sums stay in fp32: each adds a small correction (β = 0.2 in RRDN) to a
        // trunk that 8 bits would round it away from; quantizing them costs 3.5 dB against
        // the fp32 output and saves about 3 % of the time.
        nodes.push({ opType: inputs.length === 2 ? 'Add' : 'Sum', input: inputs.map((input) => asFloat(input, 'nhwc')), output: [layer.name] });
        setFloat(layer.name, 'nhwc', layer.name);
        break;
      }
      case 'MultiplyBeta': {
        if (!quantized.has(inputs[0]!)) {
          nodes.push(multiplyBeta(layer, asFloat(inputs[0]!, 'nhwc'), initializers));
          setFloat(layer.name, 'nhwc', layer.name);
          break;
        }
        const value = asQuantized(inputs[0]!);
        aliasQuantized(layer.name, value.tensor, value.scale * (config.beta ?? 0.2), value.zeroPoint);
        break;
      }
      default:
        nodes.push(upsampling(layer, asFloat(inputs[0]!, 'nchw'), initializers));
        setFloat(layer.name, 'nchw', layer.name);
    }
  }
  nodes.push({ opType: 'Identity', input: [asFloat(model.outputName, 'nhwc')], output: ['output'] });

  return encodeModel(model, { name: `esrgan-${model.size}-x${model.scale}-int8`, producer: 'aiphoto-keras-to-onnx-int8', nodes, initializers, domains: [MS] });
}

/**
 * The convolutions whose rounding would reach the output nearly unfiltered, chosen by
 * measurement (PSNR of the int8 output against fp32 on the benchmark crops): the first (it
 * sees the photo itself), those feeding the global residual sum (the last Add: its error is
 * added straight onto the output's features), the one before the upsampling and the one after
 * it (the last). With these in fp32 the thick ×4 model went from 46.2 to 51.9 dB, and the
 * medium ×4 from 48.5 to 51.4 dB, at no measurable cost in time; the 150 convolutions inside
 * the residual blocks, which are the time, stay int8.
 */
export function convolutionsKeptInFloat(model: KerasModel, inputsOf: (layer: KerasLayer) => string[]): Set<string> {
  const kept = new Set<string>();
  const convolutions = new Set(model.layers.filter((layer) => layer.class_name === 'Conv2D').map((layer) => layer.name));
  const keepInputs = (layer: KerasLayer | undefined) => {
    for (const input of layer ? inputsOf(layer) : []) if (convolutions.has(input)) kept.add(input);
  };
  for (const layer of model.layers) {
    if (layer.class_name === 'Conv2D' && inputsOf(layer).includes(model.inputName)) kept.add(layer.name);
    if (layer.class_name === 'UpSampling2D' || layer.class_name.startsWith('PixelShuffle')) keepInputs(layer);
  }
  keepInputs(model.layers.findLast((layer) => layer.class_name === 'Add'));
  if (convolutions.has(model.outputName)) kept.add(model.outputName);
  return kept;
}

/**
 * A dense block concatenates its input with each new feature map in turn, each
 * concatenation extending the one before. All of a chain's concatenations are quantized on
 * one range, the union of every piece's: the part already concatenated is then copied byte for
 * byte instead of being requantized at every step, and only the new piece is converted, once.
 * Measured on the thick model: 8 % less time and 2 dB closer to fp32 than a range per
 * concatenation (fewer roundings).
 */
export function concatenationChainRanges(model: KerasModel, inputsOf: (layer: KerasLayer) => string[], rangeOf: (name: string) => readonly [number, number]): Map<string, readonly [number, number]> {
  const chainOf = new Map<string, string>();
  const union = new Map<string, [number, number]>();
  const byName = new Map(model.layers.map((layer) => [layer.name, layer]));
  const pieceRange = (name: string): readonly [number, number] => {
    const layer = byName.get(name)!;
    return layer.class_name === 'Activation' ? [0, rangeOf(name)[1]] : rangeOf(name);
  };
  for (const layer of model.layers) {
    if (layer.class_name !== 'Concatenate') continue;
    const [first, ...rest] = inputsOf(layer);
    const chained = chainOf.get(first!);
    const chain = chained ?? layer.name;
    chainOf.set(layer.name, chain);
    const pieces = chained ? rest : [first!, ...rest];
    const range = union.get(chain) ?? [0, 0];
    for (const piece of pieces) {
      const [low, high] = pieceRange(piece);
      range[0] = Math.min(range[0], low);
      range[1] = Math.max(range[1], high);
    }
    union.set(chain, range);
  }
  return new Map([...chainOf].map(([name, chain]) => [name, union.get(chain)!]));
}
