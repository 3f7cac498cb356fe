import { describe, expect, it } from 'vitest';
import { describeStage, failureOf, secondsLeft, unwatchJob, watchJob, watchedJobs } from './jobs.ts';

class MemoryStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

describe('watched jobs', () => {
  it('keeps the jobs this browser started, newest first, and forgets them one by one', () => {
    const storage = new MemoryStorage() as unknown as Storage;
    watchJob({ id: 'job_a', kind: 'enhance', startedAt: 1 }, storage);
    watchJob({ id: 'job_b', kind: 'generate', startedAt: 2, settings: { prompt: 'a fox' } }, storage);
    watchJob({ id: 'job_a', kind: 'enhance', startedAt: 3 }, storage);
    expect(watchedJobs(storage).map((job) => [job.id, job.startedAt])).toEqual([
      ['job_a', 3],
      ['job_b', 2],
    ]);
    unwatchJob('job_a', storage);
    expect(watchedJobs(storage).map((job) => job.id)).toEqual(['job_b']);
  });

  it('survives storage that holds something else', () => {
    const storage = new MemoryStorage() as unknown as Storage;
    storage.setItem('aiphoto.jobs.v1', '{"not":"a list"');
    expect(watchedJobs(storage)).toEqual([]);
    storage.setItem('aiphoto.jobs.v1', JSON.stringify([{ id: 1 }, { id: 'job_x', kind: 'video' }, { id: 'job_y', kind: 'generate', startedAt: 0 }]));
    expect(watchedJobs(storage).map((job) => job.id)).toEqual(['job_y']);
  });
});

describe('estimates and words', () => {
  it('extrapolates the time left from the share done, and says nothing before there is one', () => {
    expect(secondsLeft(0, 10)).toBeUndefined();
    expect(secondsLeft(0.25, 10)).toBe(30);
    expect(secondsLeft(0.5, 10)).toBe(10);
    expect(secondsLeft(0.99, 10)).toBe(1);
    expect(secondsLeft(1, 10)).toBeUndefined();
  });

  it("describes stages, and a provider's status as the provider said it", () => {
    expect(describeStage({ status: 'queued', stage: 'queued', kind: 'enhance' })).toBe('Waiting for a free worker…');
    expect(describeStage({ status: 'running', stage: 'upscaling', kind: 'enhance' })).toBe('Upscaling…');
    expect(describeStage({ status: 'running', stage: 'bfl: Pending', kind: 'generate' })).toBe('bfl: Pending');
  });

  it('turns a failed job into the failure a synchronous call gives, and says whether a cancel was refunded', () => {
    const base = { id: 'job_x', kind: 'generate' as const, progress: 0, stage: 'failed', created_at: '', updated_at: '' };
    expect(failureOf({ ...base, status: 'failed', error: { error: 'generation_failed', message: 'All providers failed.' } })).toEqual({ code: 'generation_failed', message: 'All providers failed.' });
    expect(failureOf({ ...base, status: 'canceled', refunded: true })?.message).toContain('refunded');
    expect(failureOf({ ...base, status: 'succeeded' })).toBeUndefined();
  });
});
