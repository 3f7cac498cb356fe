import { describe, expect, it } from 'vitest';
import type { SuperResolutionSession } from './runtimes.ts';
import { planAxis, upscaleTiled } from './tiling.ts';

/** Nearest-neighbour ×scale on the input, with a position-dependent term so misplaced tiles show. */
function fakeModel(scale: number): SuperResolutionSession & { calls: [number, number][] } {
  const calls: [number, number][] = [];
  return {
    calls,
    async run(input, height, width) {
      calls.push([height, width]);
      const out = new Float32Array(height * scale * width * scale * 3);
      for (let y = 0; y < height * scale; y++) {
        for (let x = 0; x < width * scale; x++) {
          for (let c = 0; c < 3; c++) {
            out[(y * width * scale + x) * 3 + c] = input[(Math.floor(y / scale) * width + Math.floor(x / scale)) * 3 + c]!;
          }
        }
      }
      return out;
    },
    async dispose() {},
  };
}

describe('planAxis', () => {
  it.each([
    [100, 40, 8],
    [512, 256, 16],
    [7, 256, 16],
    [300, 64, 0],
  ])('splits %i pixels into cores that cover the axis once, with tiles no larger than %i', (length, maxTile, overlap) => {
    const spans = planAxis(length, maxTile, overlap);
    expect(spans[0]!.coreStart).toBe(0);
    expect(spans.at(-1)!.coreEnd).toBe(length);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.coreStart).toBe(spans[i - 1]!.coreEnd);
    for (const span of spans) {
      expect(span.end - span.start).toBeLessThanOrEqual(maxTile);
      expect(span.start).toBe(Math.max(span.coreStart - overlap, 0));
      expect(span.end).toBe(Math.min(span.coreEnd + overlap, length));
    }
  });
});

describe('upscaleTiled', () => {
  it('stitches tiles into exactly the untiled result (weights sum to one)', async () => {
    const width = 50;
    const height = 37;
    const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);
    const whole = await upscaleTiled(fakeModel(3), rgb, width, height, { scale: 3, inputMax: 255, maxTile: 1000, overlap: 0 });
    const model = fakeModel(3);
    // maxTile 20 with overlap 8 leaves cores of 4: narrower than the overlap bands, the case
    // where three tiles could share a pixel if the fade were as wide as the overlap.
    const tiled = await upscaleTiled(model, rgb, width, height, { scale: 3, inputMax: 255, maxTile: 20, overlap: 8 });
    expect(model.calls.length).toBeGreaterThan(4);
    let maxDifference = 0;
    for (let i = 0; i < whole.length; i++) maxDifference = Math.max(maxDifference, Math.abs(whole[i]! - tiled[i]!));
    expect(maxDifference).toBeLessThan(1e-3);
  });

  it('feeds the model values in its own range and scales them back', async () => {
    const seen: number[] = [];
    const session: SuperResolutionSession = {
      async run(input, height, width) {
        seen.push(...input);
        return fakeModel(2).run(input, height, width);
      },
      async dispose() {},
    };
    const out = await upscaleTiled(session, Uint8Array.from([255, 0, 51]), 1, 1, { scale: 2, inputMax: 1, maxTile: 64, overlap: 0 });
    expect(seen).toEqual([1, 0, Math.fround(0.2)]);
    expect([...out.slice(0, 3)].map(Math.round)).toEqual([255, 0, 51]);
  });

  it('stops between tiles when the signal aborts', async () => {
    const controller = new AbortController();
    const model = fakeModel(2);
    const slow: SuperResolutionSession = {
      async run(input, height, width) {
        controller.abort(new Error('client went away'));
        return model.run(input, height, width);
      },
      async dispose() {},
    };
    const rgb = new Uint8Array(64 * 64 * 3);
    await expect(
      upscaleTiled(slow, rgb, 64, 64, { scale: 2, inputMax: 255, maxTile: 16, overlap: 0, signal: controller.signal }),
    ).rejects.toThrow('client went away');
    expect(model.calls).toHaveLength(1);
  });
});
