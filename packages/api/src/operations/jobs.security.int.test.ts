import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { photo } from '../testing/images.ts';
import { enhanceJob, watchJob } from '../testing/jobs.ts';

const usage = async (t: TestServer, headers: Record<string, string> = {}) => (await (await t.fetch('/api/status', { headers })).json()).usage_today as number;

async function keyFor(t: TestServer, name = 'hooks'): Promise<{ key: string; id: string; secret: string }> {
  const key = (await t.cli('keys', 'create', '--name', name)).stdout.trim();
  const listed = JSON.parse((await t.cli('keys', 'list', '--json')).stdout) as { id: string; name: string }[];
  const id = listed.find((record) => record.name === name)!.id;
  const secret = (await t.cli('keys', 'webhook-secret', id)).stdout.trim();
  return { key, id, secret };
}

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback that answers with the given statuses in turn (the last one repeats). */
async function receiver(statuses: number[]): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/aiphoto`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('jobs belong to their caller', () => {
  it('answers 404 to any other caller, keyed or anonymous, for reading, listing and cancelling', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_TRUST_PROXY: '1' } });
    const owner = { 'x-forwarded-for': '203.0.113.7' };
    const submitted = await (await t.generate({ prompt: 'mine' }, { ...owner, prefer: 'respond-async' })).json();
    await watchJob(t.fetch, submitted.id, { headers: owner });
    const { key } = await keyFor(t);
    const strangers: Record<string, string>[] = [{ 'x-forwarded-for': '198.51.100.9' }, { 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${key}` }];
    for (const stranger of strangers) {
      for (const method of ['GET', 'DELETE']) {
        const response = await t.fetch(`/api/jobs/${submitted.id}`, { method, headers: stranger });
        expect(response.status).toBe(404);
        expect(await response.json()).toMatchObject({ success: false, error: 'not_found' });
      }
      expect((await (await t.fetch('/api/jobs', { headers: stranger })).json()).jobs).toEqual([]);
    }
    expect((await t.fetch(`/api/jobs/${submitted.id}`, { headers: owner })).status).toBe(200);
    for (const id of ['job_doesnotexistdoesnotexist', 'nothing-like-an-id', '..%2F..%2Fetc']) {
      expect((await t.fetch(`/api/jobs/${id}`, { headers: owner })).status).toBe(404);
    }
    // Metrics name the route template, never a job id a caller chose or was given.
    const metrics = await (await t.fetch('/metrics')).text();
    expect(metrics).toContain('route="/api/jobs/{id}"');
    expect(metrics).not.toContain(submitted.id);
  });
});

describe('webhooks', () => {
  it('POSTs the finished job once, signed as Standard Webhooks says, retrying after a 500', async () => {
    const hook = await receiver([500, 204]);
    closers.push(hook.close);
    await using t = await startTestServer({ env: { AIPHOTO_WEBHOOK_ALLOW_HOSTS: '127.0.0.1', AIPHOTO_WEBHOOK_RETRY_DELAYS_MS: '50,50' } });
    const { key, secret } = await keyFor(t);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const response = await t.generate({ prompt: 'a lighthouse', webhook_url: hook.url }, { authorization: `Bearer ${key}`, prefer: 'respond-async' });
    expect(response.status).toBe(202);
    const submitted = await response.json();
    expect(submitted.webhook).toEqual({ url: hook.url, state: 'pending', attempts: [] });
    const { job } = await watchJob(t.fetch, submitted.id, { headers: { authorization: `Bearer ${key}` }, until: (snapshot) => snapshot.webhook?.state !== 'pending' });
    expect(job.webhook).toMatchObject({ state: 'delivered', attempts: [{ status_code: 500, error: expect.any(String) }, { status_code: 204 }] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hook.received).toHaveLength(2);

    const verifier = new Webhook(secret);
    for (const delivery of hook.received) {
      expect(delivery.headers['content-type']).toBe('application/json');
      const payload = verifier.verify(delivery.body, delivery.headers as Record<string, string>) as Record<string, any>;
      expect(payload).toMatchObject({ id: submitted.id, kind: 'generate', status: 'succeeded', result: { success: true } });
    }
    // One message, retried: the same id, so a receiver can drop a duplicate.
    expect(hook.received[0]!.headers['webhook-id']).toBe(hook.received[1]!.headers['webhook-id']);
    // Signed with another secret, the same delivery does not verify.
    const other = (await t.cli('keys', 'webhook-secret', (JSON.parse((await t.cli('keys', 'list', '--json')).stdout) as { id: string }[])[0]!.id, '--rotate')).stdout.trim();
    expect(other).not.toBe(secret);
    expect(() => new Webhook(other).verify(hook.received[1]!.body, hook.received[1]!.headers as Record<string, string>)).toThrow();
  });

  it('gives up after the configured retries and records every attempt', async () => {
    const hook = await receiver([503]);
    closers.push(hook.close);
    await using t = await startTestServer({ env: { AIPHOTO_WEBHOOK_ALLOW_HOSTS: '127.0.0.0/8', AIPHOTO_WEBHOOK_RETRY_DELAYS_MS: '20,20' } });
    const { key } = await keyFor(t);
    const headers = { authorization: `Bearer ${key}` };
    const submitted = await (await enhanceJob(t, await photo(32, 32, 'png'), { scale: '2', webhook_url: hook.url }, headers)).json();
    const { job } = await watchJob(t.fetch, submitted.id, { headers, until: (snapshot) => snapshot.webhook?.state === 'failed' });
    expect(job.status).toBe('succeeded');
    expect(job.webhook.attempts.map((attempt: { status_code: number }) => attempt.status_code)).toEqual([503, 503, 503]);
    expect(hook.received).toHaveLength(3);
  });

  it('refuses, at submission and at no cost, webhooks to addresses the operator did not allow', async () => {
    const hook = await receiver([200]);
    closers.push(hook.close);
    await using t = await startTestServer({ env: { AIPHOTO_FREE_DAILY_LIMIT: '50' } });
    const { key } = await keyFor(t);
    const auth = { authorization: `Bearer ${key}`, prefer: 'respond-async' };
    const refused = [
      hook.url, // loopback, not listed
      'https://localhost/hook', // a name that resolves to loopback
      'https://10.1.2.3/hook',
      'https://192.168.0.10/hook',
      'https://172.16.5.4/hook',
      'https://169.254.169.254/latest/meta-data', // cloud metadata
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[fd00::1]/hook',
      'https://100.64.0.1/hook',
      'https://0.0.0.0/hook',
      'http://93.184.215.14/hook', // public, but plain http
      'ftp://93.184.215.14/hook',
      'https://user:pass@93.184.215.14/hook',
      'not a url',
      `https://example.com/${'a'.repeat(2100)}`,
    ];
    for (const webhook_url of refused) {
      const response = await t.generate({ prompt: 'a fox', webhook_url }, auth);
      expect(response.status, webhook_url).toBe(400);
      expect(await response.json()).toMatchObject({ success: false, error: 'invalid_request', message: expect.stringContaining('webhook_url') });
    }
    // Without a key there is no secret to sign with; without Prefer there is no job to report.
    const anonymous = await t.generate({ prompt: 'a fox', webhook_url: 'https://93.184.215.14/hook' }, { prefer: 'respond-async' });
    expect(anonymous.status).toBe(400);
    expect((await anonymous.json()).message).toContain('API key');
    const sync = await t.generate({ prompt: 'a fox', webhook_url: 'https://93.184.215.14/hook' }, { authorization: `Bearer ${key}` });
    expect(sync.status).toBe(400);
    expect((await sync.json()).message).toContain('Prefer: respond-async');
    expect(await usage(t, { authorization: `Bearer ${key}` })).toBe(0);
    expect(await usage(t)).toBe(0);
    expect(hook.received).toHaveLength(0);
  });
});
