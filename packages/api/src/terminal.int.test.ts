import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { makeDataDir, startTestServer } from './testing/harness.ts';
import { startProcess } from './testing/process.ts';

const main = path.resolve(import.meta.dirname, 'main.ts');

/** Runs the service expecting it to stop at once; its exit code and everything it printed. */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    cwd: path.dirname(main),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('the terminal', () => {
  it('prints readable lines with AIPHOTO_LOG_FORMAT=pretty: time, level, method, path, status, time taken, request id', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_LOG_FORMAT: 'pretty' } });
    expect((await t.fetch('/api/status', { headers: { 'x-request-id': 'req-pretty-1' } })).status).toBe(200);
    await expect.poll(() => t.logs()).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: GET \/api\/status → 200 in [\d.]+ ms {2}\(req-pretty-1\)$/m);
    expect(t.logs()).not.toContain('{"level"');
  });

  it('writes JSON when stdout is not a terminal (and by default to a log collector)', async () => {
    await using t = await startTestServer();
    expect((await t.fetch('/api/status')).status).toBe(200);
    await expect.poll(() => t.logs()).toContain('"msg":"request completed"');
  });

  it('says in one line what each generation and enhancement did: model, provider or precision, outcome, seconds', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_ENHANCE_MODEL: 'slim' } });
    expect((await t.generate({ prompt: 'a lighthouse', model: 'flux-pro' })).status).toBe(200);
    const form = new FormData();
    const png = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#808080' } }).png().toBuffer();
    form.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'tiny.png');
    form.append('scale', '2');
    expect((await t.fetch('/api/enhance', { method: 'POST', body: form })).status).toBe(200);
    await expect.poll(() => t.logs()).toMatch(/"msg":"enhance esrgan-slim ×2 → 32x24 \(fp32\): success in \d+\.\d s"/);
    expect(t.logs()).toMatch(/"msg":"generate flux-pro by local: success in \d+\.\d s"/);
  });

  it('starts with a line giving the addresses that work: the page, the API docs, REST and tRPC', async () => {
    const service = await startProcess({ AIPHOTO_DATA_DIR: makeDataDir() });
    try {
      const banner = service.output().split('\n').find((line) => line.includes('AIPhoto listening at'))!;
      const page = /the page: ([^\s"]+)/.exec(banner)![1]!;
      const docs = /API docs: ([^\s"]+)/.exec(banner)![1]!;
      expect(page).toBe(`${service.url}/`);
      expect((await fetch(docs)).status).toBe(200);
      expect((await fetch(`${/REST: ([^\s"]+)/.exec(banner)![1]}/status`)).status).toBe(200);
      expect((await fetch(`${/tRPC: ([^\s"]+)/.exec(banner)![1]}/status`)).status).toBe(200);
      expect(service.output()).toMatch(/model flux-pro is served by the offline placeholder renderer/);
      expect(service.output()).toMatch(/enhance runs esrgan-thick in (int8|fp32) \(/);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('writes buffered JSON lines within moments on a quiet server, and all of them before it exits', async () => {
    const service = await startProcess({ AIPHOTO_DATA_DIR: makeDataDir() });
    const exited = service.exited;
    expect((await fetch(`${service.url}/api/status`, { headers: { 'x-request-id': 'req-quiet-1' } })).status).toBe(200);
    await expect.poll(() => service.output(), { timeout: 2_000 }).toContain('"reqId":"req-quiet-1"');
    expect((await fetch(`${service.url}/api/status`, { headers: { 'x-request-id': 'req-last-1' } })).status).toBe(200);
    service.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = service.output().trim().split('\n').map((line) => JSON.parse(line) as { msg: string; reqId?: string });
    expect(lines.map((line) => line.reqId)).toContain('req-last-1');
    expect(lines.at(-1)!.msg).toBe('shutting down: finishing in-flight requests');
  });

  it('answers a port already in use with one sentence naming the port and PORT, not a stack trace', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as net.AddressInfo).port;
      const result = await runToExit({ PORT: String(port), AIPHOTO_DATA_DIR: makeDataDir() });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`Port ${port} on 127.0.0.1 is already in use: stop what is using it, or set PORT to another port (PORT=${port + 1} pnpm start).\n`);
    } finally {
      blocker.close();
    }
  });

  it('answers a data directory it cannot write with one sentence naming AIPHOTO_DATA_DIR', async () => {
    const file = path.join(makeDataDir(), 'a-file');
    fs.writeFileSync(file, '');
    const dataDir = path.join(file, 'data');
    const result = await runToExit({ PORT: '0', AIPHOTO_DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Cannot use the data directory ${dataDir}: part of that path is a file, not a directory. Set AIPHOTO_DATA_DIR to a directory this user can write.\n`);
  });
});
