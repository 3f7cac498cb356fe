import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { resizeLanczos } from './image-io.ts';

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));
const lanczos3 = (x: number) => (Math.abs(x) < 3 ? sinc(x) * sinc(x / 3) : 0);

/** Textbook Lanczos-3 on one row, pixel centres aligned, for interior pixels. */
function reference(row: number[], scale: number, x: number): number {
  const centre = (x + 0.5) / scale - 0.5;
  let sum = 0;
  let weights = 0;
  for (let i = Math.floor(centre) - 2; i <= Math.floor(centre) + 3; i++) {
    const weight = lanczos3(centre - i);
    sum += row[Math.min(Math.max(i, 0), row.length - 1)]! * weight;
    weights += weight;
  }
  return Math.min(Math.max(sum / weights, 0), 255);
}

describe('resizeLanczos', () => {
  it('is a true Lanczos-3 enlargement, not the bicubic sharp uses for every kernel when enlarging', async () => {
    const row = [10, 200, 30, 180, 60, 250, 0, 120, 90, 40, 220, 15];
    const gray = Uint8Array.from(row);
    const ours = await resizeLanczos(gray, 1, row.length, 1, 4);
    for (let x = 12; x < row.length * 4 - 12; x++) {
      expect(Math.abs(ours[x]! - reference(row, 4, x)), `x=${x}`).toBeLessThanOrEqual(1.5);
    }
    const bicubic = await sharp(gray, { raw: { width: row.length, height: 1, channels: 1 } })
      .resize(row.length * 4, 1, { kernel: 'lanczos3' })
      .raw()
      .toBuffer();
    let difference = 0;
    for (let x = 12; x < row.length * 4 - 12; x++) difference += Math.abs(bicubic[x]! - ours[x]!);
    expect(difference / (row.length * 4 - 24)).toBeGreaterThan(1);
  });

  it('keeps a flat colour flat, per channel', async () => {
    const rgb = new Uint8Array(5 * 4 * 3);
    for (let i = 0; i < 20; i++) rgb.set([12, 130, 240], i * 3);
    const out = await resizeLanczos(rgb, 3, 5, 4, 3);
    expect(out.length).toBe(15 * 12 * 3);
    for (let i = 0; i < out.length; i += 3) expect([out[i], out[i + 1], out[i + 2]]).toEqual([12, 130, 240]);
  });
});
