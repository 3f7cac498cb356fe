import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ImageStorage } from './image-storage.ts';
import { RetentionSweeper } from './retention.ts';

const NOW = new Date('2026-11-25T12:00:00Z');

function fakeStorage(deleted: number | Error) {
  const cutoffs: Date[] = [];
  const storage = {
    deleteOlderThan: async (cutoff: Date) => {
      cutoffs.push(cutoff);
      if (deleted instanceof Error) throw deleted;
      return deleted;
    },
  } as unknown as ImageStorage;
  return { storage, cutoffs };
}

function logger() {
  return { info: vi.fn(), error: vi.fn() };
}

describe('RetentionSweeper', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('removes what is older than now minus the TTL, and logs only when something went', async () => {
    const { storage, cutoffs } = fakeStorage(3);
    const log = logger();
    expect(await new RetentionSweeper(storage, 30, () => NOW, log).sweep()).toBe(3);
    expect(cutoffs).toEqual([new Date('2026-10-26T12:00:00Z')]);
    expect(log.info).toHaveBeenCalledWith({ deleted: 3, cutoff: '2026-10-26T12:00:00.000Z' }, 'retention removed old images');
    const quiet = logger();
    expect(await new RetentionSweeper(fakeStorage(0).storage, 1, () => NOW, quiet).sweep()).toBe(0);
    expect(quiet.info).not.toHaveBeenCalled();
  });

  it('keeps everything with a TTL of 0, and never starts sweeping', async () => {
    const { storage, cutoffs } = fakeStorage(5);
    const sweeper = new RetentionSweeper(storage, 0, () => NOW, logger());
    expect(await sweeper.sweep()).toBe(0);
    sweeper.start();
    expect(cutoffs).toEqual([]);
  });

  it('sweeps at start and then hourly, once however often it is started, until stopped', async () => {
    vi.useFakeTimers();
    const { storage, cutoffs } = fakeStorage(0);
    const sweeper = new RetentionSweeper(storage, 30, () => NOW, logger());
    sweeper.start();
    sweeper.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(cutoffs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60 * 60 * 1000 - 1);
    expect(cutoffs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(cutoffs).toHaveLength(2);
    sweeper.stop();
    await vi.advanceTimersByTimeAsync(3 * 60 * 60 * 1000);
    expect(cutoffs).toHaveLength(2);
    sweeper.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(cutoffs).toHaveLength(3);
    sweeper.stop();
  });

  it('logs a failed sweep instead of crashing', async () => {
    vi.useFakeTimers();
    const log = logger();
    const sweeper = new RetentionSweeper(fakeStorage(new Error('bucket gone')).storage, 30, () => NOW, log);
    sweeper.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(log.error).toHaveBeenCalledWith({ err: 'Error: bucket gone' }, 'retention sweep failed');
    sweeper.stop();
  });
});
