import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { loadConfig, type ModelSize, type Precision, type RuntimeName, type Scale } from '@aiphoto/core';
import { EnhanceEngine, TILE_OVERLAP } from '@aiphoto/core/enhance';

/**
 * One measurement in a process of its own, so its peak RSS is its own. Prints one JSON line.
 *   speed model runtime threads precision inputSide scale  → seconds per output megapixel
 */
const [, model, runtime, threads, precision, ...rest] = process.argv.slice(2) as [string, ModelSize, RuntimeName, string, Precision, ...string[]];
const photos = path.resolve(import.meta.dirname, '../photos');
// The service's own defaults, so the figures are what a user gets.
const { maxTile } = loadConfig({}).enhance;
const engine = new EnhanceEngine({ model, runtime, precision, threads: Number(threads), maxTile, overlap: TILE_OVERLAP });

async function crop(side: number) {
  const { data } = await sharp(path.join(photos, 'astronaut.png')).extract({ left: 0, top: 0, width: side, height: side }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: side, height: side, rgb: data, alpha: undefined };
}

const [side, scale] = rest.map(Number) as [number, Scale];
const image = await crop(side);
await engine.reconstruct(await crop(16), scale);
const started = performance.now();
await engine.reconstruct(image, scale);
const seconds = (performance.now() - started) / 1000;
const result = { seconds, secondsPerOutputMegapixel: seconds / ((side * scale) ** 2 / 1e6) };
await engine.dispose();
// VmHWM, not getrusage's maxrss: Linux carries maxrss over from the parent across fork and
// exec, so a child would report at least its parent's peak.
const highWaterKilobytes = Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]);
console.log(JSON.stringify({ ...result, peakRssMegabytes: highWaterKilobytes / 1024 }));
