import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { MODEL_SIZES, SCALES } from '../catalog.ts';
import { committedRanges } from './calibration.ts';
import { readKerasModel } from './esrgan-models.ts';
import { kerasToOnnxInt8 } from './keras-to-onnx-int8.ts';

const { onnx } = onnxProto;
const graphOf = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!;
const attribute = (node: onnxProto.onnx.INodeProto, name: string) => node.attribute?.find((candidate) => candidate.name === name);

/** Which convolutions stay fp32, by model family (measured choice: convolutionsKeptInFloat). */
const FLOAT_CONVOLUTIONS = {
  slim: ['F_m1', 'GFF_2', 'UPN3', 'SR'],
  medium: ['F_m1', 'GFF_2', 'UPN3', 'SR'],
  thick: ['Pre_blocks_conv', 'post_blocks_conv', 'PreShuffle', 'SR'],
};

describe.each(MODEL_SIZES)('esrgan-%s int8 graph', (size) => {
  it.each(SCALES)('×%i: every convolution but the edges is a channels-last QLinearConv with per-channel int8 weights', (scale) => {
    const model = readKerasModel(size, scale);
    const graph = graphOf(kerasToOnnxInt8(model, { ranges: committedRanges(size, scale), weightBits: 8 }));
    const floatConvolutions = graph.node!.filter((node) => node.opType === 'Conv').map((node) => node.output![0]);
    expect(floatConvolutions.sort()).toEqual([...FLOAT_CONVOLUTIONS[size]].sort());

    const quantized = graph.node!.filter((node) => node.opType === 'QLinearConv');
    const modelConvolutions = model.layers.filter((layer) => layer.class_name === 'Conv2D').length;
    expect(quantized).toHaveLength(modelConvolutions - FLOAT_CONVOLUTIONS[size].length);
    const initializers = new Map(graph.initializer!.map((tensor) => [tensor.name!, tensor]));
    for (const node of quantized) {
      expect(node.domain).toBe('com.microsoft');
      expect(Number(attribute(node, 'channels_last')?.i)).toBe(1);
      const weights = initializers.get(node.input![3]!)!;
      const weightScales = initializers.get(node.input![4]!)!;
      expect(weights.dataType).toBe(onnx.TensorProto.DataType.INT8);
      expect(Number(weightScales.dims![0])).toBe(Number(weights.dims![0]));
      expect(initializers.get(node.input![8]!)!.dataType).toBe(onnx.TensorProto.DataType.INT32);
    }
    // Residual sums stay fp32; concatenations stay uint8.
    expect(graph.node!.some((node) => node.opType === 'QLinearAdd')).toBe(false);
    expect(graph.node!.filter((node) => node.opType === 'QLinearConcat')).toHaveLength(model.layers.filter((layer) => layer.class_name === 'Concatenate').length);
  });
});

describe('int8 concatenations', () => {
  it('share one range along each dense block, so the part already concatenated is copied, not requantized', () => {
    const graph = graphOf(kerasToOnnxInt8(readKerasModel('thick', 4), { ranges: committedRanges('thick', 4), weightBits: 8 }));
    const values = new Map(graph.initializer!.map((tensor) => [tensor.name!, tensor]));
    const scale = (name: string) => new Float32Array(values.get(name)!.rawData!.slice().buffer)[0];
    const concatenations = graph.node!.filter((node) => node.opType === 'QLinearConcat');
    const produced = new Map(concatenations.map((node) => [node.output![0]!, node]));
    let chained = 0;
    for (const node of concatenations) {
      // Inputs: Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per piece.
      const [outputScale, , firstPiece, firstScale] = node.input!;
      if (!produced.has(firstPiece!)) continue;
      chained++;
      expect(scale(firstScale!)).toBe(scale(outputScale!));
    }
    // Thick: 10 blocks × 3 dense blocks × 3 concatenations that extend another.
    expect(chained).toBe(90);
  });
});

describe('int8 weights', () => {
  const model = readKerasModel('slim', 2);
  const weightsOf = (bits: 7 | 8) => {
    const graph = graphOf(kerasToOnnxInt8(model, { ranges: committedRanges('slim', 2), weightBits: bits }));
    const conv = graph.node!.find((node) => node.opType === 'QLinearConv')!;
    const tensor = graph.initializer!.find((candidate) => candidate.name === conv.input![3])!;
    return new Int8Array(tensor.rawData!.buffer, tensor.rawData!.byteOffset, tensor.rawData!.byteLength);
  };
  const largest = (values: Int8Array) => values.reduce((most, value) => Math.max(most, Math.abs(value)), 0);

  it('use the whole 8-bit range with VNNI, and 7 bits without (no 16-bit saturation)', () => {
    expect(largest(weightsOf(8))).toBe(127);
    expect(largest(weightsOf(7))).toBe(63);
  });

  it('cannot be built without a calibration range for a quantized layer', () => {
    const { F_0: _dropped, ...ranges } = committedRanges('slim', 2);
    expect(() => kerasToOnnxInt8(model, { ranges, weightBits: 8 })).toThrow('no calibration range for layer F_0');
  });
});
