import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRecord, JobStore } from './job-store.ts';

let counter = 0;

export function jobRecord(overrides: Partial<JobRecord> = {}): JobRecord {
  counter++;
  const createdAt = new Date(Date.UTC(2026, 11, 2, 10, 0, counter)).toISOString();
  return {
    id: `job_test${counter}`,
    subject: 'key:a',
    kind: 'generate',
    status: 'running',
    progress: 0,
    stage: 'queued',
    createdAt,
    updatedAt: createdAt,
    leaseUntil: Date.parse(createdAt) + 30_000,
    ...overrides,
  };
}

/** One behavioural suite for every JobStore, so SQLite and Redis cannot drift apart. */
export function describeJobStore(name: string, setup: () => { open: () => Promise<JobStore>; cleanup?: () => Promise<void> | void }) {
  describe(`${name} job store`, () => {
    let store: JobStore;
    let cleanup: (() => Promise<void> | void) | undefined;
    beforeEach(async () => {
      const opened = setup();
      cleanup = opened.cleanup;
      store = await opened.open();
    });
    afterEach(async () => cleanup?.());

    it('reads back what it stored, and nothing for an unknown id', async () => {
      const job = jobRecord({ charge: { day: '2026-12-02', units: 2 }, webhook: { url: 'https://example.com/h', keyId: 'key_a', state: 'pending', attempts: [] } });
      await store.create(job);
      expect(await store.get(job.id)).toEqual(job);
      expect(await store.get('job_nope')).toBeUndefined();
    });

    it('updates only from the statuses it is told, so one of two racing finishers wins', async () => {
      const job = jobRecord();
      await store.create(job);
      const outcomes = await Promise.all([
        store.update(job.id, { status: 'succeeded', progress: 1, result: { url: 'u' } }, ['running']),
        store.update(job.id, { status: 'failed', error: { error: 'server_error', message: 'm' } }, ['running']),
      ]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const finished = (await store.get(job.id))!;
      expect(['succeeded', 'failed']).toContain(finished.status);
      expect(await store.update(job.id, { progress: 0.5 }, ['queued', 'running'])).toBeUndefined();
      // Without `from` a finished job can still be annotated (its webhook attempts).
      expect((await store.update(job.id, { webhook: { url: 'https://e.com', keyId: 'key_a', state: 'delivered', attempts: [{ at: 'now', statusCode: 200 }] } }))?.webhook?.state).toBe('delivered');
    });

    it('lists a caller its own jobs, newest first, by status and up to the limit', async () => {
      const first = jobRecord({ subject: 'key:list' });
      const second = jobRecord({ subject: 'key:list', status: 'succeeded' });
      const third = jobRecord({ subject: 'key:list' });
      const other = jobRecord({ subject: 'key:other' });
      for (const job of [first, second, third, other]) await store.create(job);
      expect((await store.list('key:list', { limit: 10 })).map((job) => job.id)).toEqual([third.id, second.id, first.id]);
      expect((await store.list('key:list', { limit: 2 })).map((job) => job.id)).toEqual([third.id, second.id]);
      expect((await store.list('key:list', { status: 'running', limit: 10 })).map((job) => job.id)).toEqual([third.id, first.id]);
      expect((await store.list('key:nobody', { limit: 10 }))).toEqual([]);
    });

    it('finds active jobs whose lease ran out, and only those', async () => {
      const now = Date.UTC(2026, 11, 2, 12);
      const stale = jobRecord({ subject: 'key:lease', leaseUntil: now - 1 });
      const fresh = jobRecord({ subject: 'key:lease', leaseUntil: now + 10_000 });
      const staleQueued = jobRecord({ subject: 'key:lease', status: 'queued', leaseUntil: now - 5 });
      // A lease that ends exactly now has not run out yet.
      const endingNow = jobRecord({ subject: 'key:lease', leaseUntil: now });
      for (const job of [stale, fresh, staleQueued, endingNow]) await store.create(job);
      const found = () => store.abandoned(now, 100).then((jobs) => jobs.map((job) => job.id).filter((id) => [stale.id, fresh.id, staleQueued.id, endingNow.id].includes(id)).sort());
      expect(await found()).toEqual([stale.id, staleQueued.id].sort());
      await store.update(stale.id, { leaseUntil: now + 60_000 });
      await store.update(staleQueued.id, { status: 'failed' });
      expect(await found()).toEqual([]);
      // A renewed job is still an active job: once its new lease runs out, it is found again.
      await store.update(stale.id, { progress: 0.5 });
      expect(await store.abandoned(now + 60_001, 100).then((jobs) => jobs.map((job) => job.id))).toContain(stale.id);
      expect((await store.get(stale.id))?.progress).toBe(0.5);
    });

    it('updates nothing that does not exist', async () => {
      expect(await store.update('job_missing', { progress: 1 })).toBeUndefined();
      expect(await store.update('job_missing', { progress: 1 }, ['running'])).toBeUndefined();
      expect(await store.get('job_missing')).toBeUndefined();
    });

    it('lists by status past the newest `limit` jobs of other statuses', async () => {
      const old = jobRecord({ subject: 'key:scan', status: 'running' });
      for (const job of [old, jobRecord({ subject: 'key:scan', status: 'succeeded' }), jobRecord({ subject: 'key:scan', status: 'failed' })]) await store.create(job);
      expect((await store.list('key:scan', { status: 'running', limit: 1 })).map((job) => job.id)).toEqual([old.id]);
    });
  });
}
