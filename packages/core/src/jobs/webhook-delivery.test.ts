import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../access.ts';
import { openDatabase, type SqliteDatabase } from '../database.ts';
import { KeyService } from '../keys/key-service.ts';
import { SqliteKeyStore } from '../keys/sqlite-key-store.ts';
import { QuotaService } from '../quota/quota-service.ts';
import { SqliteQuotaStore } from '../quota/sqlite-quota-store.ts';
import { JobService, type JobWork } from './job-service.ts';
import type { JobRecord } from './job-store.ts';
import { SqliteJobStore } from './sqlite-job-store.ts';
import { WebhookPolicy, sendWebhook } from './webhooks.ts';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

let dir: string;
let db: SqliteDatabase;
let keys: KeyService;
let store: SqliteJobStore;
let server: http.Server;
let received: Received[];
let answer: (index: number, response: http.ServerResponse) => void;
let url: string;
const services: JobService[] = [];

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-webhooks-'));
  db = openDatabase(dir);
  keys = new KeyService(new SqliteKeyStore(db));
  store = new SqliteJobStore(db);
  received = [];
  answer = (_index, response) => response.writeHead(204).end();
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      answer(received.length - 1, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterEach(async () => {
  for (const service of services.splice(0)) await service.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function jobService(retryDelays: number[] = [5, 5]) {
  const service = new JobService({
    store,
    quota: new SqliteQuotaStore(db),
    keys,
    policy: new WebhookPolicy(['127.0.0.1']),
    settings: { leaseMs: 1_000, finishedTtlMs: 3_600_000, webhookRetryDelaysMs: retryDelays, progressIntervalMs: 1 },
    clock: () => new Date(),
  });
  services.push(service);
  return service;
}

async function keyedCaller(): Promise<{ caller: Caller; secret: string }> {
  const { record } = await keys.create({ name: 'hooks' });
  const secret = (await keys.webhookSecret(record.id))!;
  return { caller: { plan: 'pro', keyId: record.id, account: { subject: `key:${record.id}`, limit: 10 } }, secret };
}

const quick = (caller: Caller): JobWork<string> => async (_signal, hooks) => {
  const reservation = await new QuotaService(new SqliteQuotaStore(db)).reserve(caller.account);
  hooks.reserved?.(reservation);
  reservation.commit();
  return 'https://example.com/image.png';
};

const webhookOf = async (id: string, until: (record: JobRecord) => boolean) => {
  await expect.poll(async () => until((await store.get(id))!), { timeout: 5_000 }).toBe(true);
  return (await store.get(id))!.webhook!;
};

describe('webhook delivery', () => {
  it('POSTs the ended job once, signed with the key’s secret, and records the attempt', async () => {
    const { caller, secret } = await keyedCaller();
    const jobs = jobService();
    const record = await jobs.submit(caller, 'generate', quick(caller), { webhookUrl: url, present: (image) => ({ url: image }) });
    const webhook = await webhookOf(record.id, (job) => job.webhook?.state !== 'pending');
    expect(webhook).toMatchObject({ url, state: 'delivered', attempts: [{ statusCode: 204 }] });
    expect(received).toHaveLength(1);
    const delivery = received[0]!;
    expect(delivery.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': 'AIPhoto-Webhooks/1.0', 'webhook-id': `msg_${record.id}` });
    expect(Math.abs(Number(delivery.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
    const verified = new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>);
    expect(verified).toMatchObject({ id: record.id, status: 'succeeded', result: { url: 'https://example.com/image.png' } });
    expect(delivery.body).not.toContain(caller.account.subject);
  });

  it('retries after each configured wait until a 2xx, then stops', async () => {
    const { caller } = await keyedCaller();
    answer = (index, response) => response.writeHead(index < 2 ? 502 : 200).end('ok');
    const record = await jobService([5, 5, 5]).submit(caller, 'generate', quick(caller), { webhookUrl: url, present: (image) => image });
    const webhook = await webhookOf(record.id, (job) => job.webhook?.state === 'delivered');
    expect(webhook.attempts.map((attempt) => [attempt.statusCode, attempt.error])).toEqual([
      [502, 'the receiver answered 502'],
      [502, 'the receiver answered 502'],
      [200, undefined],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toHaveLength(3);
    expect(new Set(received.map((delivery) => delivery.headers['webhook-id'])).size).toBe(1);
  });

  it('gives up after the last wait and says so', async () => {
    const { caller } = await keyedCaller();
    answer = (_index, response) => response.writeHead(500).end();
    const record = await jobService([5]).submit(caller, 'generate', quick(caller), { webhookUrl: url, present: (image) => image });
    const webhook = await webhookOf(record.id, (job) => job.webhook?.state !== 'pending');
    expect(webhook).toMatchObject({ state: 'failed', attempts: [{ statusCode: 500 }, { statusCode: 500 }] });
  });

  it('records a receiver that cannot be reached, and a key that no longer exists', async () => {
    const { caller } = await keyedCaller();
    const closed = `http://127.0.0.1:1/hook`;
    const record = await jobService([]).submit(caller, 'generate', quick(caller), { webhookUrl: closed, present: (image) => image });
    const webhook = await webhookOf(record.id, (job) => job.webhook?.state !== 'pending');
    expect(webhook).toMatchObject({ state: 'failed', attempts: [{ error: expect.stringMatching(/ECONNREFUSED/) }] });
    expect(webhook.attempts[0]!.statusCode).toBeUndefined();

    const orphan: Caller = { plan: 'pro', keyId: 'key_gone', account: { subject: 'key:key_gone', limit: 10 } };
    const lost = await jobService([]).submit(orphan, 'generate', quick(orphan), { webhookUrl: url, present: (image) => image });
    expect(await webhookOf(lost.id, (job) => job.webhook?.state !== 'pending')).toMatchObject({
      state: 'failed',
      attempts: [{ error: 'the API key that asked for this webhook no longer exists' }],
    });
    expect(received).toHaveLength(0);
  });

  it('gives up a retry still waiting when the service closes, and records why', async () => {
    const { caller } = await keyedCaller();
    answer = (_index, response) => response.writeHead(503).end();
    const jobs = jobService([60_000]);
    const record = await jobs.submit(caller, 'generate', quick(caller), { webhookUrl: url, present: (image) => image });
    const waiting = await webhookOf(record.id, (job) => (job.webhook?.attempts.length ?? 0) === 1);
    expect(waiting.state).toBe('pending');
    await jobs.close();
    expect((await store.get(record.id))!.webhook).toMatchObject({
      state: 'failed',
      attempts: [{ statusCode: 503 }, { error: 'the server stopped before the next attempt' }],
    });
  });
});

describe('sendWebhook', () => {
  const send = (policy: WebhookPolicy, target: string) =>
    sendWebhook(policy, { url: target, secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`, messageId: 'msg_1', body: '{"a":1}', now: new Date() });

  it('refuses at delivery an address literal the policy does not allow, without connecting', async () => {
    const attempt = await send(new WebhookPolicy(), url);
    expect(attempt.error).toMatch(/AIPHOTO_WEBHOOK_ALLOW_HOSTS/);
    expect(received).toHaveLength(0);
  });

  it('POSTs, counts only 2xx as delivered, and speaks TLS to an https URL', async () => {
    const methods: string[] = [];
    answer = (index, response) => response.writeHead([204, 300, 199][index] ?? 200).end();
    server.prependListener('request', (request) => methods.push(request.method!));
    const policy = new WebhookPolicy(['127.0.0.1']);
    expect((await send(policy, url)).error).toBeUndefined();
    expect(await send(policy, url)).toMatchObject({ statusCode: 300, error: 'the receiver answered 300' });
    expect(methods).toEqual(['POST', 'POST']);
    // This receiver speaks plain HTTP: an https URL must not reach it in the clear.
    const tls = await send(policy, url.replace('http:', 'https:'));
    expect(tls.error).toBeDefined();
    expect(tls.statusCode).toBeUndefined();
    expect(methods).toHaveLength(2);
  });

  it('stops reading an answer past 64 KiB instead of taking it all', async () => {
    let finished = false;
    answer = (_index, response) => {
      response.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 120);
      let sent = 0;
      const pump = () => {
        while (sent < 32 * 1024 * 1024) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end(() => (finished = true));
      };
      response.on('error', () => undefined);
      pump();
    };
    expect(await send(new WebhookPolicy(['127.0.0.1']), url)).toMatchObject({ statusCode: 200 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(finished).toBe(false);
  });

  it('gives up an attempt at once when told to stop', async () => {
    answer = () => undefined; // never answers
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const attempt = await sendWebhook(new WebhookPolicy(['127.0.0.1']), { url, secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`, messageId: 'msg_2', body: '{}', now: new Date(), signal: controller.signal });
    expect(attempt.error).toMatch(/abort/i);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('follows no redirect, and judges a large answer by its status', async () => {
    answer = (index, response) => (index === 0 ? response.writeHead(302, { location: url }).end() : response.writeHead(200).end('x'.repeat(1_000_000)));
    expect(await send(new WebhookPolicy(['127.0.0.1']), url)).toMatchObject({ statusCode: 302, error: 'the receiver answered 302' });
    expect(received).toHaveLength(1);
    expect(await send(new WebhookPolicy(['127.0.0.1']), url)).toMatchObject({ statusCode: 200 });
  });
});

describe('webhooks of jobs that died with their instance', () => {
  it('tells the receiver the job failed once another instance ends it', async () => {
    const { caller, secret } = await keyedCaller();
    const record: JobRecord = {
      id: 'job_abandonedabandonedaband',
      subject: caller.account.subject,
      kind: 'enhance',
      status: 'running',
      progress: 0.4,
      stage: 'upscaling',
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      leaseUntil: Date.now() - 1,
      webhook: { url, keyId: caller.keyId!, state: 'pending', attempts: [] },
    };
    await store.create(record);
    expect(await jobService().recover()).toBe(1);
    await webhookOf(record.id, (job) => job.webhook?.state === 'delivered');
    const payload = new Webhook(secret).verify(received[0]!.body, received[0]!.headers as Record<string, string>);
    expect(payload).toMatchObject({ id: record.id, status: 'failed', refunded: true, error: { error: 'server_error' } });
  });
});
