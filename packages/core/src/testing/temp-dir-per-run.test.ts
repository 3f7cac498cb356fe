import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('temporary files of a test run', () => {
  it('go to a directory of the run, which the vitest config set up', () => {
    expect(path.basename(os.tmpdir())).toMatch(/^aiphoto-run-/);
  });

  it('are removed with that directory when the process that made it exits', async () => {
    const script = `
      import fs from 'node:fs';
      import os from 'node:os';
      import { useTempDirPerRun } from ${JSON.stringify(new URL('./temp-dir-per-run.ts', import.meta.url).href)};
      const directory = useTempDirPerRun();
      fs.mkdirSync(fs.mkdtempSync(os.tmpdir() + '/aiphoto-test-') + '/images');
      console.log(directory);
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    const directory = stdout.trim();
    expect(directory.startsWith(os.tmpdir())).toBe(true);
    expect(path.basename(directory)).toMatch(/^aiphoto-run-/);
    expect(fs.existsSync(directory)).toBe(false);
  });
});
