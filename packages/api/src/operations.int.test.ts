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
