import { describe, expect, it } from 'vitest';
import { startTestServer } from './testing/harness.ts';
import { builtApp } from './testing/web.ts';

const lines = (logs: string) =>
  logs
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the request log', () => {
  it('writes one line per request once it is answered (method, path without the query, status, time, request id), and none for the page files at info', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_WEB_DIR: builtApp() } });
    const before = lines(t.logs()).length;
    const answers = [
      await t.fetch('/api/status?token=do-not-log-me', { headers: { 'x-request-id': 'req-status-1' } }),
      await t.fetch('/trpc/status'),
      await t.fetch('/api/nope'),
      await t.fetch('/api/status', { headers: { authorization: 'Bearer aip_notARealKey0123456789' } }),
      await t.fetch('/'),
      await t.fetch('/assets/index-Ab12Cd34.js'),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 404, 401, 200, 200]);

    await expect.poll(() => lines(t.logs()).slice(before).filter((line) => line.msg === 'request completed').length).toBe(4);
    const written = lines(t.logs()).slice(before);
    expect(written.map((line) => line.msg)).not.toContain('incoming request');
    expect(written.filter((line) => line.msg === 'request completed').map(({ method, url, statusCode }) => [method, url, statusCode])).toEqual([
      ['GET', '/api/status', 200],
      ['GET', '/trpc/status', 200],
      ['GET', '/api/nope', 404],
      ['GET', '/api/status', 401],
    ]);
    const first = written.find((line) => line.msg === 'request completed')!;
    expect(first).toMatchObject({ level: 30, reqId: 'req-status-1', responseTime: expect.any(Number) });
    expect(t.logs()).not.toContain('do-not-log-me');
  });

  it('logs the page files at debug level', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_WEB_DIR: builtApp(), AIPHOTO_LOG_LEVEL: 'debug' } });
    expect((await t.fetch('/assets/index-Ab12Cd34.js')).status).toBe(200);
    await expect.poll(() => lines(t.logs()).find((line) => line.url === '/assets/index-Ab12Cd34.js')).toMatchObject({ level: 20, msg: 'request completed', statusCode: 200 });
  });
});
