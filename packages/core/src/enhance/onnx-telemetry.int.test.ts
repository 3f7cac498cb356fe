import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = import.meta.dirname;

/** One small enhance through the pool (worker threads running onnxruntime), in a process of its own as in the server. */
function enhanceInOwnProcess(env: NodeJS.ProcessEnv): Promise<{ pid: number; code: number | null; stderr: string }> {
  const script = `
    const { EnhancePool } = await import(${JSON.stringify(pathToFileURL(path.join(here, 'enhance-pool.ts')).href)});
    const { photoCrop } = await import(${JSON.stringify(pathToFileURL(path.join(here, '../testing/images.ts')).href)});
    const pool = new EnhancePool({ workers: 1, queue: 1, engine: { model: 'slim', runtime: 'onnx', threads: 1, maxTile: 256, overlap: 16 }, jobTimeoutMs: 60_000 });
    const output = await pool.admit().run({ ...(await photoCrop(24, 24)), alpha: undefined, scale: 2, strength: 10, format: 'png' });
    await pool.close();
    if (output.width !== 48) throw new Error('the enhance did not run');
  `;
  // A file, not -e: worker threads inherit the process's execArgv, and would run the script again.
  const scriptFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-enhance-once-')), 'enhance-once.mjs');
  fs.writeFileSync(scriptFile, script);
  const child = spawn(process.execPath, ['--import', 'tsx', scriptFile], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      fs.rmSync(path.dirname(scriptFile), { recursive: true, force: true });
      resolve({ pid: child.pid!, code, stderr });
    }),
  );
}

describe('onnxruntime telemetry', () => {
  // Only the default is tested: turning it on here would queue real reports to Microsoft.
  it('is off: an enhance leaves no device id, no queue of reports and no mat-debug log', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-home-'));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-ort-tmp-'));
    const { ORT_DISABLE_TELEMETRY: _operatorChoice, XDG_CACHE_HOME: _cache, ...environment } = process.env;
    const run = await enhanceInOwnProcess({ ...environment, HOME: home, TMPDIR: tmp });
    expect(run.code, run.stderr).toBe(0);
    // With telemetry on, onnxruntime 1.30 writes ~/.cache/Microsoft/DeveloperTools/.onnxruntime/{deviceid,onnxruntime.db}.
    expect(fs.readdirSync(home, { recursive: true })).toEqual([]);
    expect(fs.readdirSync(tmp).filter((name) => name.startsWith('mat-debug'))).toEqual([]);
    expect(fs.existsSync(`/tmp/mat-debug-${run.pid}.log`)).toBe(false);
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);
});
