import type { EnhanceEngine } from '@aiphoto/core/enhance';

/**
 * Test-time self-ensemble, measured to decide whether to offer it: the model run on the eight
 * flips and rotations of the input, each output turned back and averaged. HWC RGB throughout.
 */
type Pixels = { data: Float32Array; width: number; height: number };

function rotate90(image: Pixels): Pixels {
  const { data, width, height } = image;
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) out[(x * height + (height - 1 - y)) * 3 + c] = data[(y * width + x) * 3 + c]!;
  return { data: out, width: height, height: width };
}

function mirror(image: Pixels): Pixels {
  const { data, width, height } = image;
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) out[(y * width + (width - 1 - x)) * 3 + c] = data[(y * width + x) * 3 + c]!;
  return { data: out, width, height };
}

const turn = (image: Pixels, times: number) => Array.from({ length: times }).reduce<Pixels>((current) => rotate90(current), image);

export async function selfEnsemble(engine: EnhanceEngine, rgb: Uint8Array, width: number, height: number, scale: 2 | 3 | 4): Promise<Float32Array> {
  const sum = new Float32Array(width * height * scale * scale * 3);
  for (const mirrored of [false, true]) {
    for (let rotation = 0; rotation < 4; rotation++) {
      const start: Pixels = { data: Float32Array.from(rgb), width, height };
      const input = turn(mirrored ? mirror(start) : start, rotation);
      const output = await engine.reconstruct({ width: input.width, height: input.height, rgb: Uint8Array.from(input.data), alpha: undefined }, scale);
      const back = turn({ data: output, width: input.width * scale, height: input.height * scale }, (4 - rotation) % 4);
      const restored = mirrored ? mirror(back) : back;
      for (let i = 0; i < sum.length; i++) sum[i]! += restored.data[i]! / 8;
    }
  }
  return sum;
}
