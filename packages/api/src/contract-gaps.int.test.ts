import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeDataDir, rateLimitOf, requiredHeader, startTestServer } from './testing/harness.ts';

const errorLogLines = (logs: string) => logs.split('\n').filter((line) => line.includes('"level":50'));

/** Sends a request line exactly as written (fetch would normalise `/../`). */
async function rawGet(baseUrl: string, target: string): Promise<string> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let received = '';
    socket.on('data', (data) => (received += data));
    socket.on('close', () => resolve(received));
  });
}

describe('tRPC batches', () => {
  it("answers a batch over the limit in tRPC's error shape with a request id", async () => {
    await using t = await startTestServer();
    for (const calls of [11, 40]) {
      const response = await t.fetch(`/trpc/${Array.from({ length: calls }, () => 'generateImages').join(',')}?batch=1`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { message: expect.stringContaining('at most 10 calls'), data: { code: 'BAD_REQUEST', httpStatus: 400, error: 'invalid_request' } },
      });
      expect(requiredHeader(response, 'x-request-id')).toBeTruthy();
    }
  });

  it('serves a batch at the limit', async () => {
    await using t = await startTestServer();
    const response = await t.fetch(`/trpc/${Array.from({ length: 10 }, () => 'status').join(',')}?batch=1`);
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(10);
  });
});

describe('deeply nested JSON', () => {
  const deep = `{"prompt":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
  it.each(['/api/generate', '/trpc/generate', '/v1/images/generations'])('%s answers 400 invalid_request, not 500', async (pathname) => {
    await using t = await startTestServer();
    const response = await t.fetch(pathname, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('invalid_request');
    expect(errorLogLines(t.logs())).toEqual([]);
    expect((await t.fetch('/api/status')).status).toBe(200);
  });
});

describe('HEAD under /api', () => {
  it('is 404 on an unknown path and GET without a body on a GET operation', async () => {
    await using t = await startTestServer();
    const unknown = await t.fetch('/api/no-such-thing', { method: 'HEAD' });
    expect(unknown.status).toBe(404);
    expect(rateLimitOf(unknown).limit).toBe(5);
    const status = await t.fetch('/api/status', { method: 'HEAD' });
    expect(status.status).toBe(200);
    expect(rateLimitOf(status)).toMatchObject({ limit: 5, remaining: 5 });
    expect(await status.text()).toBe('');
    const wrongMethod = await t.fetch('/api/generate', { method: 'HEAD' });
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
  });
});

describe('a real path asked with the wrong method', () => {
  it('is 405 with the methods it takes in Allow, in the error envelope, at no cost', async () => {
    await using t = await startTestServer();
    const cases: [string, string, string][] = [
      ['GET', '/api/generate', 'POST'],
      ['PUT', '/api/enhance', 'POST'],
      ['POST', '/api/status', 'GET, HEAD'],
      ['PATCH', '/api/jobs/job_3q2Lr8kV0bXyTn5Wc1aPzE7d', 'GET, DELETE, HEAD'],
    ];
    for (const [method, pathname, allow] of cases) {
      const answer = await t.fetch(pathname, { method });
      expect([answer.status, answer.headers.get('allow')], `${method} ${pathname}`).toEqual([405, allow]);
      expect(await answer.json()).toEqual({ success: false, error: 'method_not_allowed', message: expect.stringContaining(`does not answer ${method}`) });
    }
    // Still 404 where there is no such path at all.
    expect((await t.fetch('/api/generat')).status).toBe(404);
    expect(rateLimitOf(await t.fetch('/api/status')).remaining).toBe(5);
  });
});

/** A stand-in for the built page, so the static file handler is in play as in production. */
function webDir(): string {
  const dir = makeDataDir();
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>page</title>');
  return dir;
}

describe('image paths that are not image ids', () => {
  it.each(['/images//etc/passwd', `/images/${'a'.repeat(5_000)}.png`, '/images/..%2f..%2fetc%2fpasswd', '/images/%2e%2e/%2e%2e/etc/passwd'])(
    '%s is 404 with no error logged',
    async (target) => {
      await using t = await startTestServer({ env: { AIPHOTO_WEB_DIR: webDir() } });
      const response = await t.fetch(target);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ success: false, error: 'not_found' });
      expect(errorLogLines(t.logs())).toEqual([]);
    },
  );

  it('refuses a raw /../ request line and never serves a file outside the images folder', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_WEB_DIR: webDir() } });
    for (const target of ['/images/../../../../etc/passwd', '/images/../aiphoto.db', '/../etc/passwd']) {
      const answer = await rawGet(t.baseUrl, target);
      expect(answer).toMatch(/^HTTP\/1\.1 404/);
      expect(answer).not.toContain('root:');
      expect(answer).not.toContain('SQLite format');
    }
    expect(errorLogLines(t.logs())).toEqual([]);
  });
});

describe('leftovers from a crash', () => {
  it('removes .partial image files at startup and keeps finished images', async () => {
    const dataDir = makeDataDir();
    const images = path.join(dataDir, 'images');
    fs.mkdirSync(images, { recursive: true });
    fs.writeFileSync(path.join(images, 'AAAAAAAAAAAAAAAAAAAAAAAA.png.partial'), 'half an image');
    await using t = await startTestServer({ dataDir });
    const kept = await (await t.generate({ prompt: 'a finished picture' })).json();
    expect(fs.readdirSync(images)).toEqual([`${kept.id}.png`]);
  });
});

describe('a disk that cannot flush the image', () => {
  afterEach(() => vi.restoreAllMocks());

  it('answers server_error, gives the unit back, keeps no file and tells the operator why', async () => {
    await using t = await startTestServer();
    const realFsync = fs.fsync;
    vi.spyOn(fs, 'fsync').mockImplementation((fd, callback) => {
      if (fs.fstatSync(fd).isDirectory()) realFsync(fd, callback);
      else callback(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', errno: -5, syscall: 'fsync' }));
    });
    const failed = await t.generate({ prompt: 'a picture the disk cannot keep' });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ success: false, error: 'server_error' });
    expect(rateLimitOf(failed).remaining).toBe(5);
    expect(fs.readdirSync(path.join(t.dataDir, 'images'))).toEqual([]);
    expect(errorLogLines(t.logs()).join('\n')).toContain('EIO');

    vi.restoreAllMocks();
    const kept = await (await t.generate({ prompt: 'a picture the disk keeps' })).json();
    expect(fs.readdirSync(path.join(t.dataDir, 'images'))).toEqual([`${kept.id}.png`]);
    expect(await (await t.fetch('/api/status')).json()).toMatchObject({ usage_today: 1 });
  });
});
