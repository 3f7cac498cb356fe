import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * `pnpm bench`: every benchmark, one after the other (each alone on the machine), each
 * printing its figures next to the baseline it measured in the same run. Exits non-zero when
 * a figure misses its target.
 */
let failed = false;
for (const suite of ['gateway', 'enhance']) {
  console.log(`\n━━ bench/${suite} ━━`);
  const code = await new Promise<number | null>((resolve) => {
    spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, suite, 'index.ts')], { stdio: 'inherit' }).once('exit', resolve);
  });
  failed ||= code !== 0;
}
process.exitCode = failed ? 1 : 0;
