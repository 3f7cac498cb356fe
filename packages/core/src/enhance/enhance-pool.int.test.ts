import { afterEach, describe, expect, it } from 'vitest';
import { ServerError, ServiceUnavailableError } from '../errors.ts';
import { photoCrop } from '../testing/images.ts';
import { EnhancePool } from './enhance-pool.ts';

const engine = { model: 'slim' as const, runtime: 'onnx' as const, threads: 1, maxTile: 256, overlap: 16 };

describe('EnhancePool (real worker threads)', () => {
  let pool: EnhancePool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  async function job(size = 24) {
    return { ...(await photoCrop(size, size)), alpha: undefined, scale: 2 as const, strength: 10, format: 'png' as const };
  }

  it('runs jobs in a worker and hands back the encoded image', async () => {
    pool = new EnhancePool({ workers: 1, queue: 1, engine, jobTimeoutMs: 60_000 });
    const output = await pool.admit().run(await job());
    expect([output.width, output.height]).toEqual([48, 48]);
    expect(Buffer.from(output.bytes.slice(1, 4)).toString()).toBe('PNG');
    expect(pool.depth).toBe(0);
  });

  it('refuses with 503 once workers and queue are full, and frees places as jobs finish', async () => {
    pool = new EnhancePool({ workers: 1, queue: 1, engine, jobTimeoutMs: 60_000 });
    const first = pool.admit();
    const second = pool.admit();
    expect(() => pool!.admit()).toThrow(ServiceUnavailableError);
    const refusal = (() => {
      try {
        pool!.admit();
      } catch (error) {
        return error as ServiceUnavailableError;
      }
    })();
    expect(refusal?.retryAfterSeconds).toBeGreaterThan(0);
    second.release();
    const running = first.run(await job());
    const third = pool.admit();
    await running;
    third.release();
    expect(pool.depth).toBe(0);
  });

  it('drops a queued job whose client went away, and keeps serving the others', async () => {
    pool = new EnhancePool({ workers: 1, queue: 2, engine, jobTimeoutMs: 60_000 });
    const controller = new AbortController();
    const busy = pool.admit().run(await job(96));
    const queued = pool.admit().run(await job(), controller.signal);
    controller.abort(new Error('client went away'));
    await expect(queued).rejects.toThrow('client went away');
    await busy;
    expect(pool.depth).toBe(0);
    const after = await pool.admit().run(await job());
    expect(after.width).toBe(48);
  });

  it('answers a job whose worker died with server_error, and serves the next job on a fresh worker', async () => {
    pool = new EnhancePool({ workers: 1, queue: 1, engine, jobTimeoutMs: 60_000 });
    const running = pool.admit().run(await job(256));
    // Reach into the pool only to kill its worker, as a crash (or an OOM kill) would.
    const slots = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
    await expect.poll(() => slots.length).toBe(1);
    await slots[0]!.worker.terminate();
    await expect(running).rejects.toBeInstanceOf(ServerError);
    expect(pool.depth).toBe(0);
    const after = await pool.admit().run(await job());
    expect(after.width).toBe(48);
  });

  it('stops a job that runs past the time limit between tiles, with server_error naming the limit', async () => {
    pool = new EnhancePool({ workers: 1, queue: 1, engine: { ...engine, maxTile: 64 }, jobTimeoutMs: 50 });
    const ticket = pool.admit();
    const running = ticket.run(await job(256));
    expect(ticket.started).toBe(true);
    await expect(running).rejects.toThrow(/did not finish within the 0.05-second limit/);
    expect(pool.depth).toBe(0);
  });

  it('says a queued job has not started until a worker takes it', async () => {
    pool = new EnhancePool({ workers: 1, queue: 1, engine, jobTimeoutMs: 60_000 });
    const busy = pool.admit().run(await job(96));
    const waiting = pool.admit();
    const queued = waiting.run(await job());
    expect(waiting.started).toBe(false);
    await busy;
    await queued;
    expect(waiting.started).toBe(true);
  });
});
