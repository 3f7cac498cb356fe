import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../access.ts';
import { openDatabase, type SqliteDatabase } from '../database.ts';
import { GenerationFailedError, InvalidPromptError, ServiceUnavailableError } from '../errors.ts';
import { KeyService } from '../keys/key-service.ts';
import { SqliteKeyStore } from '../keys/sqlite-key-store.ts';
import { QuotaService, utcDay } from '../quota/quota-service.ts';
import { SqliteQuotaStore } from '../quota/sqlite-quota-store.ts';
import { JobService, type JobSettings, type JobWork } from './job-service.ts';
import { jobRecord } from './job-store.contract.ts';
import { SqliteJobStore } from './sqlite-job-store.ts';
import { WebhookPolicy } from './webhooks.ts';

const caller: Caller = { plan: 'free', account: { subject: 'ip:203.0.113.5', limit: 5 } };
const stranger: Caller = { plan: 'free', account: { subject: 'ip:198.51.100.1', limit: 5 } };

/** A gate a test opens when it wants the work to go on. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));
const aborted = (signal: AbortSignal) => new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));

let dir: string;
let db: SqliteDatabase;
let quota: QuotaService;
let quotaStore: SqliteQuotaStore;
let store: SqliteJobStore;
let now: number;
const services: JobService[] = [];

type JobServiceDeps = ConstructorParameters<typeof JobService>[0];

/** A job service on this test's store, with short leases; a test may swap a part or a setting. */
function jobService(overrides: Partial<Omit<JobServiceDeps, 'settings'>> & { settings?: Partial<JobSettings> } = {}) {
  const { settings, ...parts } = overrides;
  const service = new JobService({
    store,
    quota: quotaStore,
    keys: new KeyService(new SqliteKeyStore(db)),
    policy: new WebhookPolicy(),
    clock: () => new Date(now),
    ...parts,
    settings: { leaseMs: 1_000, finishedTtlMs: 3_600_000, webhookRetryDelaysMs: [], progressIntervalMs: 1, ...settings },
  });
  services.push(service);
  return service;
}

/** A logger that keeps the messages it was given. */
function recordingLogger() {
  const logged: string[] = [];
  const keep = (_object: object, message: string) => void logged.push(message);
  return { logged, logger: { warn: keep, error: keep } };
}

/** Work that reserves a unit like the services do, reports progress, waits for `until`, then returns or throws. */
function work(until: Promise<void>, outcome: { value?: string; error?: Error } = { value: 'done' }): JobWork<string> {
  return async (signal, hooks) => {
    const reservation = await quota.reserve(caller.account);
    hooks.reserved?.(reservation);
    hooks.progress?.({ stage: 'running', progress: 0.5 });
    try {
      await Promise.race([until, new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))]);
      if (outcome.error) throw outcome.error;
      reservation.commit();
      return outcome.value!;
    } catch (error) {
      await reservation.refund();
      throw error;
    }
  };
}

const used = () => quotaStore.usage(caller.account.subject, utcDay(new Date()));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-job-service-'));
  db = openDatabase(dir);
  quotaStore = new SqliteQuotaStore(db);
  quota = new QuotaService(quotaStore);
  store = new SqliteJobStore(db);
  now = Date.now();
});
afterEach(async () => {
  for (const service of services.splice(0)) await service.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('JobService', () => {
  it("answers a refusal before admission as the submission's own error, and records no job", async () => {
    const jobs = jobService();
    await expect(
      jobs.submit(caller, 'generate', async () => {
        throw new InvalidPromptError('prompt must not be empty.');
      }, { present: (value) => value }),
    ).rejects.toBeInstanceOf(InvalidPromptError);
    expect(await jobs.list(caller, { limit: 10 })).toEqual([]);
  });

  it('records the job once its unit is reserved, then ends it succeeded with the presented result', async () => {
    const jobs = jobService();
    const { open, opened } = gate();
    const record = await jobs.submit(caller, 'generate', work(opened, { value: 'the image' }), { present: (value) => ({ body: value }) });
    expect(record).toMatchObject({ status: 'running', subject: caller.account.subject, charge: { units: 1 }, leaseUntil: now + 1_000 });
    expect(await used()).toBe(1);
    expect(jobs.active).toBe(1);
    open();
    await expect.poll(async () => (await jobs.get(caller, record.id)).status).toBe('succeeded');
    expect(await jobs.get(caller, record.id)).toMatchObject({ progress: 1, stage: 'done', result: { body: 'the image' } });
    expect(jobs.active).toBe(0);
  });

  it('ends a failed job with the error envelope and says it was refunded', async () => {
    const jobs = jobService();
    const { open, opened } = gate();
    const record = await jobs.submit(caller, 'generate', work(opened, { error: new GenerationFailedError('Every provider failed.') }), { present: (value) => value });
    open();
    await expect.poll(async () => (await jobs.get(caller, record.id)).status).toBe('failed');
    expect(await jobs.get(caller, record.id)).toMatchObject({ refunded: true, error: { error: 'generation_failed', message: 'Every provider failed.' } });
    expect(await used()).toBe(0);
  });

  it('hides a job from every other caller, and from ids that are not ids', async () => {
    const jobs = jobService();
    const record = await jobs.submit(caller, 'generate', work(Promise.resolve()), { present: (value) => value });
    await expect(jobs.get(stranger, record.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(jobs.cancel(stranger, record.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(jobs.get(caller, `${record.id}x`)).rejects.toMatchObject({ code: 'not_found' });
    expect(await jobs.list(stranger, { limit: 10 })).toEqual([]);
  });

  it('cancels a running job here at once, and one running on another instance at its next heartbeat', async () => {
    const here = jobService();
    const local = await here.submit(caller, 'generate', work(new Promise(() => undefined)), { present: (value) => value });
    expect(await here.cancel(caller, local.id)).toMatchObject({ status: 'canceled', refunded: true });

    const elsewhere = jobService();
    const remote = await here.submit(caller, 'enhance', work(new Promise(() => undefined)), { present: (value) => value });
    const answered = await elsewhere.cancel(caller, remote.id);
    expect(answered).toMatchObject({ status: 'running', cancelRequested: true });
    await here.heartbeat();
    await expect.poll(async () => (await here.get(caller, remote.id)).status).toBe('canceled');
    expect(await used()).toBe(0);
  });

  it('ends an abandoned job failed and refunds it exactly once, however many instances notice', async () => {
    // What a crashed instance leaves behind: a running job holding a unit, never renewed again.
    const reservation = await quota.reserve(caller.account);
    const record = jobRecord({ subject: caller.account.subject, charge: { day: reservation.day, units: 1 }, leaseUntil: now + 1_000 });
    await store.create(record);
    expect(await used()).toBe(1);
    const [a, b] = [jobService(), jobService()];
    expect(await a.recover(now + 500)).toBe(0);
    const ended = await Promise.all([a.recover(now + 1_001), b.recover(now + 1_001)]);
    expect(ended.sort()).toEqual([0, 1]);
    expect(await store.get(record.id)).toMatchObject({ status: 'failed', refunded: true, error: { error: 'server_error' } });
    expect(await used()).toBe(0);
  });

  it('renews the leases of its own jobs, so they are never taken for abandoned', async () => {
    const jobs = jobService();
    const record = await jobs.submit(caller, 'generate', work(new Promise(() => undefined)), { present: (value) => value });
    now += 900;
    await jobs.heartbeat();
    expect((await store.get(record.id))!.leaseUntil).toBe(now + 1_000);
    expect(await jobService().recover(now + 500)).toBe(0);
  });

  it('on close, lets jobs finish within the grace, stops the rest (failed, refunded), and takes no more', async () => {
    const jobs = jobService();
    const quick = gate();
    const finishing = await jobs.submit(caller, 'generate', work(quick.opened), { present: (value) => value });
    const stuck = await jobs.submit(caller, 'generate', work(new Promise(() => undefined)), { present: (value) => value });
    const closing = jobs.close(200);
    quick.open();
    await closing;
    expect((await store.get(finishing.id))!.status).toBe('succeeded');
    expect(await store.get(stuck.id)).toMatchObject({ status: 'failed', refunded: true, error: { error: 'service_unavailable' } });
    await expect(jobs.submit(caller, 'generate', work(Promise.resolve()), { present: (value) => value })).rejects.toMatchObject({ code: 'service_unavailable' });
    expect(await used()).toBe(1);
  });

  it('checks a webhook before any work runs: a key is needed, and an allowed address', async () => {
    const jobs = jobService();
    let ran = false;
    const noted: JobWork<string> = async () => {
      ran = true;
      return 'x';
    };
    await expect(jobs.submit(caller, 'generate', noted, { webhookUrl: 'https://93.184.215.14/h', present: (value) => value })).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('API key'),
    });
    const keyed: Caller = { plan: 'pro', keyId: 'key_x', account: { subject: 'key:key_x', limit: 10 } };
    await expect(jobs.submit(keyed, 'generate', noted, { webhookUrl: 'https://10.0.0.1/h', present: (value) => value })).rejects.toMatchObject({
      code: 'invalid_request',
      field: 'webhook_url',
    });
    expect(ran).toBe(false);
    await settle();
  });

  it('writes progress as it comes, only ever up, and "queued" as the queued status', async () => {
    const jobs = jobService();
    const step = gate();
    const finish = gate();
    const record = await jobs.submit(
      caller,
      'enhance',
      async (_signal, hooks) => {
        const reservation = await quota.reserve(caller.account);
        hooks.reserved?.(reservation);
        hooks.progress?.({ stage: 'queued', progress: 0 });
        await step.opened;
        hooks.progress?.({ stage: 'upscaling', progress: 0.5 });
        hooks.progress?.({ stage: 'upscaling', progress: 0.25 });
        hooks.progress?.({ stage: 'encoding' });
        await finish.opened;
        reservation.commit();
        return 'ok';
      },
      { present: (value) => value },
    );
    expect(record).toMatchObject({ status: 'queued', stage: 'queued', progress: 0 });
    step.open();
    await expect.poll(async () => (await store.get(record.id))!.stage).toBe('encoding');
    expect(await store.get(record.id)).toMatchObject({ status: 'running', progress: 0.5 });
    finish.open();
    await expect.poll(async () => (await store.get(record.id))!.status).toBe('succeeded');
  });

  it('stops its own work when another instance already ended the job (its lease had run out)', async () => {
    const jobs = jobService();
    let reason: unknown;
    const record = await jobs.submit(
      caller,
      'generate',
      async (signal, hooks) => {
        hooks.reserved?.(await quota.reserve(caller.account));
        await aborted(signal);
        reason = signal.reason;
        throw signal.reason;
      },
      { present: (value) => value },
    );
    await store.update(record.id, { status: 'failed', refunded: true });
    await jobs.heartbeat();
    await expect.poll(() => reason).toMatchObject({ code: 'service_unavailable' });
    await expect.poll(() => jobs.active).toBe(0);
    // The first ending stands.
    expect(await store.get(record.id)).toMatchObject({ status: 'failed', refunded: true });
  });

  it('forgets finished jobs older than the retention time at its first heartbeat', async () => {
    const old = jobRecord({ subject: caller.account.subject, status: 'succeeded', updatedAt: new Date(now - 3_600_001).toISOString() });
    const recent = jobRecord({ subject: caller.account.subject, status: 'succeeded', updatedAt: new Date(now - 1_000).toISOString() });
    for (const job of [old, recent]) await store.create(job);
    await jobService().heartbeat();
    expect(await store.get(old.id)).toBeUndefined();
    expect(await store.get(recent.id)).toBeDefined();
  });

  it('stops the work and refunds it when the job cannot be recorded', async () => {
    const failing = Object.create(store) as SqliteJobStore;
    failing.create = async () => {
      throw new ServiceUnavailableError('The shared store is unreachable; retry in a few seconds.');
    };
    const jobs = jobService({ store: failing });
    await expect(jobs.submit(caller, 'generate', work(new Promise(() => undefined)), { present: (value) => value })).rejects.toMatchObject({ code: 'service_unavailable' });
    expect(await used()).toBe(0);
    expect(jobs.active).toBe(0);
  });

  it('reports an unexpected failure as server_error, without its inner message, and logs it', async () => {
    const { logged, logger } = recordingLogger();
    const jobs = jobService({ logger });
    const record = await jobs.submit(caller, 'generate', work(Promise.resolve(), { error: new TypeError('secret internals') }), { present: (value) => value });
    await expect.poll(async () => (await store.get(record.id))!.status).toBe('failed');
    const failed = (await store.get(record.id))!;
    expect(failed.error).toMatchObject({ error: 'server_error' });
    expect(failed.error!.message).not.toContain('secret internals');
    expect(logged).toContain('job failed unexpectedly');
  });

  it('lists at most 100 jobs however many are asked for', async () => {
    for (let i = 0; i < 101; i++) await store.create(jobRecord({ subject: caller.account.subject, status: 'succeeded' }));
    expect(await jobService().list(caller, { limit: 1_000 })).toHaveLength(100);
  });

  it('writes a burst of progress once or twice, not once per report', async () => {
    let writes = 0;
    const counting = Object.create(store) as SqliteJobStore;
    counting.update = async (...args: Parameters<SqliteJobStore['update']>) => {
      writes++;
      return store.update(...args);
    };
    const jobs = jobService({ store: counting, settings: { progressIntervalMs: 20 } });
    const finish = gate();
    const record = await jobs.submit(
      caller,
      'enhance',
      async (_signal, hooks) => {
        hooks.reserved?.(await quota.reserve(caller.account));
        await settle(1);
        for (let tile = 1; tile <= 100; tile++) hooks.progress?.({ stage: 'upscaling', progress: tile / 100 });
        await finish.opened;
        return 'ok';
      },
      { present: (value) => value },
    );
    await expect.poll(async () => (await store.get(record.id))!.progress).toBe(1);
    expect(writes).toBeLessThanOrEqual(2);
    finish.open();
  });

  it('ends a canceled job with its stage, and says it was paid for when the work kept its unit', async () => {
    const jobs = jobService();
    let reason: unknown;
    const record = await jobs.submit(
      caller,
      'generate',
      async (signal, hooks) => {
        const reservation = await quota.reserve(caller.account);
        hooks.reserved?.(reservation);
        await aborted(signal);
        reason = signal.reason;
        // As the services do for a caller who left once a provider was asked: the unit is kept.
        reservation.commit();
        throw signal.reason;
      },
      { present: (value) => value },
    );
    expect(await jobs.cancel(caller, record.id)).toMatchObject({ status: 'canceled', stage: 'canceled', refunded: false });
    expect(reason).toMatchObject({ name: 'JobCanceledError', message: `job ${record.id} was canceled by its caller` });
    expect(await used()).toBe(1);
  });

  it('takes the reason a server stop gives as the job error, whatever the work threw', async () => {
    const { logged, logger } = recordingLogger();
    const jobs = jobService({ logger });
    const record = await jobs.submit(
      caller,
      'generate',
      async (signal, hooks) => {
        const reservation = await quota.reserve(caller.account);
        hooks.reserved?.(reservation);
        await aborted(signal);
        await reservation.refund();
        throw new Error('socket hang up');
      },
      { present: (value) => value },
    );
    await jobs.close(0);
    expect(await store.get(record.id)).toMatchObject({
      status: 'failed',
      stage: 'failed',
      refunded: true,
      error: { error: 'service_unavailable', message: expect.stringContaining('restarted') },
    });
    expect(logged).toContain('stopping the jobs still running: they end failed and refunded');
  });

  it('logs only unexpected failures as errors', async () => {
    const { logged, logger } = recordingLogger();
    const jobs = jobService({ logger });
    const record = await jobs.submit(caller, 'generate', work(Promise.resolve(), { error: new GenerationFailedError('no provider') }), { present: (value) => value });
    await expect.poll(async () => (await store.get(record.id))!.status).toBe('failed');
    expect(logged).toEqual([]);
  });

  it('never takes its own running job for abandoned, and ends one without a charge cleanly', async () => {
    const jobs = jobService();
    const mine = await jobs.submit(caller, 'generate', work(new Promise(() => undefined)), { present: (value) => value });
    expect(await jobs.recover(now + 5_000)).toBe(0);
    expect((await store.get(mine.id))!.status).toBe('running');
    // A renewal leaves a job nobody cancelled running.
    await jobs.heartbeat();
    expect((await store.get(mine.id))!.status).toBe('running');
    const uncharged = jobRecord({ subject: caller.account.subject, leaseUntil: now - 1 });
    await store.create(uncharged);
    expect(await jobs.recover()).toBe(1);
    expect((await store.get(uncharged.id))!.status).toBe('failed');
  });

  it('prunes at most every ten minutes', async () => {
    const jobs = jobService();
    await jobs.heartbeat();
    const old = jobRecord({ subject: caller.account.subject, status: 'succeeded', updatedAt: new Date(now - 7_200_000).toISOString() });
    await store.create(old);
    now += 60_000;
    await jobs.heartbeat();
    expect(await store.get(old.id)).toBeDefined();
    now += 9 * 60_000;
    await jobs.heartbeat();
    expect(await store.get(old.id)).toBeUndefined();
  });

  it('renews on its own timer once started', async () => {
    const jobs = jobService({ settings: { leaseMs: 150 } });
    const record = await jobs.submit(caller, 'generate', work(new Promise(() => undefined)), { present: (value) => value });
    jobs.start();
    now += 1_000;
    await expect.poll(async () => (await store.get(record.id))!.leaseUntil, { timeout: 2_000 }).toBe(now + 150);
  });

  it('lets jobs finish within the grace while it closes, not after', async () => {
    const jobs = jobService();
    const later = gate();
    const record = await jobs.submit(caller, 'generate', work(later.opened), { present: (value) => value });
    setTimeout(later.open, 60);
    await jobs.close(1_000);
    expect((await store.get(record.id))!.status).toBe('succeeded');
  });

  it('names the refused field and the reasons in its refusals', async () => {
    const jobs = jobService();
    await expect(jobs.submit(caller, 'generate', work(Promise.resolve()), { webhookUrl: 'https://93.184.215.14/h', present: (value) => value })).rejects.toMatchObject({
      field: 'webhook_url',
      message: "webhook_url needs an API key: webhooks are signed with the key's secret (pnpm aiphoto keys webhook-secret ID).",
    });
    const long = `job_${'x'.repeat(100)}`;
    await expect(jobs.get(caller, long)).rejects.toThrow(`No job ${long.slice(0, 40)} belongs to this caller.`);
    await jobs.close();
    await expect(jobs.submit(caller, 'generate', work(Promise.resolve()), { present: (value) => value })).rejects.toMatchObject({
      message: 'The service is shutting down; retry in a few seconds.',
      retryAfterSeconds: 5,
    });
  });

  it('keeps a provider\'s status words short in the stage', async () => {
    const jobs = jobService();
    const record = await jobs.submit(
      caller,
      'generate',
      async (signal, hooks) => {
        hooks.reserved?.(await quota.reserve(caller.account));
        hooks.progress?.({ stage: `bfl: ${'Pending'.repeat(100)}` });
        await aborted(signal);
        throw signal.reason;
      },
      { present: (value) => value },
    );
    await expect.poll(async () => (await store.get(record.id))!.stage).toBe(`bfl: ${'Pending'.repeat(100)}`.slice(0, 80));
    await jobs.cancel(caller, record.id);
  });

  it('tries again to record the end of a job when the store fails for a moment, and logs a failed renewal', async () => {
    const { logged, logger } = recordingLogger();
    let failNext = false;
    const flaky = Object.create(store) as SqliteJobStore;
    flaky.update = async (...args: Parameters<SqliteJobStore['update']>) => {
      if (failNext) {
        failNext = false;
        throw new ServiceUnavailableError('The shared store is unreachable; retry in a few seconds.');
      }
      return store.update(...args);
    };
    const jobs = jobService({ store: flaky, logger });
    const finish = gate();
    const record = await jobs.submit(caller, 'generate', work(finish.opened), { present: (value) => value });
    failNext = true;
    await jobs.heartbeat();
    expect(logged).toContain('could not renew a job lease');
    expect((await store.get(record.id))!.status).toBe('running');
    failNext = true;
    finish.open();
    await expect.poll(async () => (await store.get(record.id))!.status, { timeout: 3_000 }).toBe('succeeded');
    expect(logged).not.toContain('could not record the end of a job');
  });
});
