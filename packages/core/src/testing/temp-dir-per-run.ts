import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Gives a vitest run a temporary directory of its own, removed when the run ends, and points
 * every test process (and what they start: CLIs, workers, Chromium) at it through TMPDIR.
 * Tests make their data directories, logs and fake servers' files under `os.tmpdir()`;
 * left to each test to remove them, a day of test runs left thousands behind in /tmp
 * (1.2 GB on the development machine). Called from each vitest config, in the process that
 * spawns the test workers, as `TZ` is set there.
 */
export function useTempDirPerRun(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-run-'));
  process.env.TMPDIR = directory;
  process.once('exit', () => fs.rmSync(directory, { recursive: true, force: true }));
  return directory;
}
