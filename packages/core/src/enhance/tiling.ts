import type { SuperResolutionSession } from './runtimes.ts';

/**
 * Super-resolution in tiles, so memory stays bounded whatever the image size. Each tile is
 * run with `overlap` pixels of extra context on every inner side; around each boundary,
 * adjacent tiles are cross-faded with linear weights that sum to exactly 1, so no seam shows.
 */
export interface Span {
  /** The part of the axis this tile is responsible for. */
  coreStart: number;
  coreEnd: number;
  /** What is fed to the model: the core plus overlap, clipped to the image. */
  start: number;
  end: number;
}

export function planAxis(length: number, maxTile: number, overlap: number): Span[] {
  const maxCore = Math.max(maxTile - 2 * overlap, 1);
  const count = Math.max(Math.ceil(length / maxCore), 1);
  const core = Math.ceil(length / count);
  const spans: Span[] = [];
  for (let index = 0; index < count; index++) {
    const coreStart = index * core;
    const coreEnd = Math.min(coreStart + core, length);
    if (coreStart >= coreEnd) break;
    spans.push({ coreStart, coreEnd, start: Math.max(coreStart - overlap, 0), end: Math.min(coreEnd + overlap, length) });
  }
  return spans;
}

/**
 * Half-width of the cross-fade around each core boundary. At most half the smallest core, so
 * a tile's two fades never meet and only two tiles ever share a position: their weights then
 * sum to exactly 1. At most `overlap`, so every faded pixel has real context behind it.
 */
function featherOf(spans: Span[], overlap: number): number {
  return Math.min(overlap, Math.floor(Math.min(...spans.map((span) => span.coreEnd - span.coreStart)) / 2));
}

/**
 * Weight of a tile at input-space coordinate `position` (a pixel centre): 1 inside its core,
 * falling linearly to 0 across the 2·feather band it shares with a neighbour.
 */
function axisWeight(span: Span, position: number, feather: number, length: number): number {
  if (feather === 0) return position >= span.coreStart && position < span.coreEnd ? 1 : 0;
  let weight = 1;
  if (span.coreStart > 0) weight = Math.min(weight, (position - (span.coreStart - feather)) / (2 * feather));
  if (span.coreEnd < length) weight = Math.min(weight, (span.coreEnd + feather - position) / (2 * feather));
  return Math.min(Math.max(weight, 0), 1);
}

export interface TiledUpscaleOptions {
  scale: number;
  /** The model's input range: 255 for pixel values, 1 for normalised ones. */
  inputMax: number;
  maxTile: number;
  overlap: number;
  signal?: AbortSignal;
  /** Called after each tile with the tiles done and the tiles in all (a job's real progress). */
  onTile?: (done: number, total: number) => void;
}

/** RGB 0–255 in, RGB float 0–255 out (unclamped), `scale` times larger on each side. */
export async function upscaleTiled(
  session: SuperResolutionSession,
  rgb: Uint8Array,
  width: number,
  height: number,
  options: TiledUpscaleOptions,
): Promise<Float32Array> {
  const { scale, overlap } = options;
  const outWidth = width * scale;
  const outHeight = height * scale;
  const output = new Float32Array(outWidth * outHeight * 3);
  const toModel = options.inputMax / 255;
  const fromModel = 255 / options.inputMax;
  const columns = planAxis(width, options.maxTile, overlap);
  const rows = planAxis(height, options.maxTile, overlap);
  const columnFeather = featherOf(columns, overlap);
  const rowFeather = featherOf(rows, overlap);

  const total = rows.length * columns.length;
  let done = 0;
  for (const row of rows) {
    for (const column of columns) {
      options.signal?.throwIfAborted();
      const tileWidth = column.end - column.start;
      const tileHeight = row.end - row.start;
      const input = new Float32Array(tileWidth * tileHeight * 3);
      for (let y = 0; y < tileHeight; y++) {
        const source = ((row.start + y) * width + column.start) * 3;
        for (let i = 0; i < tileWidth * 3; i++) input[y * tileWidth * 3 + i] = rgb[source + i]! * toModel;
      }
      const result = await session.run(input, tileHeight, tileWidth);

      const columnWeights = new Float32Array(tileWidth * scale);
      for (let x = 0; x < tileWidth * scale; x++) {
        columnWeights[x] = axisWeight(column, column.start + (x + 0.5) / scale, columnFeather, width);
      }
      for (let y = 0; y < tileHeight * scale; y++) {
        const rowWeight = axisWeight(row, row.start + (y + 0.5) / scale, rowFeather, height);
        if (rowWeight === 0) continue;
        const outRow = ((row.start * scale + y) * outWidth + column.start * scale) * 3;
        const tileRow = y * tileWidth * scale * 3;
        for (let x = 0; x < tileWidth * scale; x++) {
          const weight = rowWeight * columnWeights[x]!;
          if (weight === 0) continue;
          const o = outRow + x * 3;
          const t = tileRow + x * 3;
          output[o] = output[o]! + result[t]! * fromModel * weight;
          output[o + 1] = output[o + 1]! + result[t + 1]! * fromModel * weight;
          output[o + 2] = output[o + 2]! + result[t + 2]! * fromModel * weight;
        }
      }
      options.onTile?.(++done, total);
    }
  }
  return output;
}
