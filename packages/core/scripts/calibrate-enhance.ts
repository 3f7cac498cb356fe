import fs from 'node:fs';
import path from 'node:path';
import { MODEL_SIZES, SCALES } from '../src/catalog.ts';
import { RANGE_FACTORS, calibrationCrops, int8Fidelity, measureRanges, rangesKey, scaleRanges, type RangesFile } from '../src/enhance/calibration.ts';
import { readKerasModel } from '../src/enhance/esrgan-models.ts';

/** `pnpm calibrate`: measures the int8 activation ranges of every model and scale again. */
const crops = await calibrationCrops(path.resolve(import.meta.dirname, '../../../bench/photos'));

// Six significant digits: the file diffs cleanly and a range moves by far less than one step.
const rounded = (value: number) => Number(value.toPrecision(6));
const file: RangesFile = {};
for (const size of MODEL_SIZES) {
  for (const scale of SCALES) {
    const model = readKerasModel(size, scale);
    const measured = await measureRanges(model, crops);
    let best = { factor: 1, psnr: -Infinity };
    for (const factor of RANGE_FACTORS) {
      const psnr = await int8Fidelity(model, crops, scaleRanges(measured, factor));
      if (psnr > best.psnr) best = { factor, psnr };
    }
    const ranges = scaleRanges(measured, best.factor);
    file[rangesKey(size, scale)] = Object.fromEntries(Object.entries(ranges).map(([name, [low, high]]) => [name, [rounded(low), rounded(high)]]));
    console.log(`${rangesKey(size, scale)}: ${Object.keys(ranges).length} layers, ranges × ${best.factor} (int8 vs fp32 on the crops: ${best.psnr.toFixed(2)} dB)`);
  }
}
const target = path.resolve(import.meta.dirname, '../src/enhance/calibration/ranges.json');
// One layer per line, so a new calibration shows as a readable diff.
fs.writeFileSync(target, `${JSON.stringify(file, null, 1).replace(/\[\s+(\S+),\s+(\S+)\s+\]/g, '[$1, $2]')}\n`);
console.log(`wrote ${path.relative(process.cwd(), target)}`);
