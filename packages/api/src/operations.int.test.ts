import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './testing/harness.ts';

describe('metrics and health', () => {
  it('exposes Prometheus metrics for requests, generations, quota rejections, the enhance queue and the process', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '1' } });
    expect((await t.generate({ prompt: 'a fox' })).status).toBe(200);
    expect((await t.generate({ prompt: 'a fox' })).status).toBe(429);
    expect((await t.generate({ prompt: 'n.u.d.e' })).status).toBe(422);
    const response = await t.fetch('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/aiphoto_http_requests_total\{route="\/api\/generate",method="POST",status="200"\} 1/);
    expect(text).toMatch(/aiphoto_http_requests_total\{route="\/api\/generate",method="POST",status="429"\} 1/);
    expect(text).toMatch(/aiphoto_http_request_duration_seconds_bucket\{le="[\d.]+",route="\/api\/generate",method="POST"\}/);
    expect(text).toContain('aiphoto_generations_total{model="flux-pro",provider="local",outcome="success"} 1');
    expect(text).toContain('aiphoto_provider_duration_seconds_count{provider="local",outcome="success"} 1');
    expect(text).toContain('aiphoto_quota_rejections_total{plan="free"} 1');
    expect(text).toContain('aiphoto_enhance_queue_depth 0');
    expect(text).toContain('aiphoto_process_resident_memory_bytes');
  });

  it('keeps the number of request series fixed however many paths callers invent', async () => {
    await using t = await startTestServer();
    const seriesCount = async () =>
      (await (await t.fetch('/metrics')).text()).split('\n').filter((line) => line.startsWith('aiphoto_http_request')).length;
    const randomPaths = (count: number, seed: string) =>
      Array.from({ length: count }, (_, i) => {
        const junk = `${seed}${i}${Math.random().toString(36).slice(2)}`;
        return [`/api/${junk}`, `/api/generate/${junk}`, `/trpc/${junk}`, `/v1/${junk}`, `/images/${junk}.png`, `/${junk}`, `/api/docs/${junk}`][i % 7]!;
      });
    const hit = async (paths: string[]) => {
      for (let i = 0; i < paths.length; i += 50) {
        await Promise.all(
          paths.slice(i, i + 50).map(async (pathname, j) => {
            // Anonymous, with a bad key, and POST: each reaches the routes by another way.
            const headers: Record<string, string> = j % 3 === 1 ? { authorization: 'Bearer aip_nope' } : {};
            const response = await t.fetch(pathname, { method: j % 3 === 2 ? 'POST' : 'GET', headers });
            await response.arrayBuffer();
          }),
        );
      }
    };
    await hit(randomPaths(140, 'warm'));
    await seriesCount(); // the scrape itself is a route too: let it appear once
    const before = await seriesCount();
    await hit(randomPaths(3_000, 'flood'));
    expect(await seriesCount()).toBe(before);
    expect((await (await t.fetch('/metrics')).text())).toContain('route="unmatched"');
  });

  it('answers /healthz and /readyz', async () => {
    await using t = await startTestServer();
    expect(await (await t.fetch('/healthz')).json()).toEqual({ status: 'ok' });
    expect(await (await t.fetch('/readyz')).json()).toEqual({ status: 'ready', store: true, storage: true, shutting_down: false });
  });
});

describe('retention', () => {
  it('removes images older than AIPHOTO_IMAGE_TTL_DAYS and keeps younger ones', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_IMAGE_TTL_DAYS: '30' } });
    const old = await (await t.generate({ prompt: 'an old picture' })).json();
    const young = await (await t.generate({ prompt: 'a young picture' })).json();
    const oldFile = path.join(t.dataDir, 'images', `${old.id}.png`);
    const longAgo = new Date(Date.now() - 31 * 86_400_000);
    fs.utimesSync(oldFile, longAgo, longAgo);
    const twentyNineDays = new Date(Date.now() - 29 * 86_400_000);
    fs.utimesSync(path.join(t.dataDir, 'images', `${young.id}.png`), twentyNineDays, twentyNineDays);
    expect(await t.server.services.retention.sweep()).toBe(1);
    expect((await fetch(old.url)).status).toBe(404);
    expect((await fetch(young.url)).status).toBe(200);
  });
});
