// Here, in the main thread: the workers' onnxruntime reads the process environment, which a worker cannot change.
import './onnx-telemetry.ts';
import { Worker } from 'node:worker_threads';
import { ServerError, ServiceUnavailableError } from '../errors.ts';
import type { EngineOptions, EnhanceJob, EnhanceOutput } from './enhance-engine.ts';

export type WorkerRequest = { type: 'run'; id: number; job: EnhanceJob } | { type: 'cancel'; id: number };
export type WorkerReply =
  | { id: number; progress: { done: number; total: number } }
  | { id: number; ok: true; output: EnhanceOutput }
  | { id: number; ok: false; aborted: boolean; message: string };

interface PendingJob {
  id: number;
  job: EnhanceJob;
  signal: AbortSignal | undefined;
  /** Called when a worker takes the job. */
  onStart: () => void;
  listeners: JobListeners;
  /** Set when the job ran past the time limit and was told to stop. */
  timedOut: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve: (output: EnhanceOutput) => void;
  reject: (error: unknown) => void;
}

interface WorkerSlot {
  worker: Worker;
  current: PendingJob | undefined;
}

export interface PoolLogger {
  error(object: object, message: string): void;
}

/** What a caller may learn of its job while it runs. */
export interface JobListeners {
  /** A worker took the job. */
  onStart?: () => void;
  /** The worker finished a tile. */
  onTile?: (done: number, total: number) => void;
}

/** A place in the pool, taken before quota is reserved so a full queue never costs a unit. */
export interface EnhanceTicket {
  run(job: EnhanceJob, signal?: AbortSignal, listeners?: JobListeners): Promise<EnhanceOutput>;
  /** Gives the place back without running anything; does nothing once `run` was called. */
  release(): void;
  /** Whether a worker has begun the job (the CPU is being spent). */
  readonly started: boolean;
}

const RETRY_AFTER_SECONDS = 10;

/**
 * Worker threads running the enhance engine, with a bounded queue: at most `workers` jobs
 * run and `queue` wait; one more is refused with 503 so the server degrades instead of
 * piling up memory.
 */
export class EnhancePool {
  private readonly slots: WorkerSlot[] = [];
  private readonly waiting: PendingJob[] = [];
  private admitted = 0;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly options: {
      workers: number;
      queue: number;
      engine: EngineOptions;
      /** A job running longer is told to stop (between tiles) and fails. */
      jobTimeoutMs: number;
      logger?: PoolLogger;
    },
  ) {}

  /** Jobs admitted and not yet finished: running plus waiting. */
  get depth(): number {
    return this.admitted;
  }

  admit(): EnhanceTicket {
    if (this.closed || this.admitted >= this.options.workers + this.options.queue) {
      throw new ServiceUnavailableError('The enhance queue is full; retry in a few seconds.', {
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      });
    }
    this.admitted++;
    let used = false;
    let started = false;
    const finish = () => {
      if (!used) {
        used = true;
        this.admitted--;
      }
    };
    return {
      run: (job, signal, listeners = {}) => {
        if (used) return Promise.reject(new Error('ticket already used'));
        used = true;
        return this.enqueue(job, signal, () => (started = true), listeners).finally(() => this.admitted--);
      },
      release: finish,
      get started() {
        return started;
      },
    };
  }

  private enqueue(job: EnhanceJob, signal: AbortSignal | undefined, onStart: () => void, listeners: JobListeners): Promise<EnhanceOutput> {
    return new Promise<EnhanceOutput>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const pending: PendingJob = { id: this.nextId++, job, signal, onStart, listeners, timedOut: false, timer: undefined, resolve, reject };
      signal?.addEventListener(
        'abort',
        () => {
          const index = this.waiting.indexOf(pending);
          if (index >= 0) {
            this.waiting.splice(index, 1);
            reject(signal.reason);
            return;
          }
          const slot = this.slots.find((candidate) => candidate.current === pending);
          slot?.worker.postMessage({ type: 'cancel', id: pending.id } satisfies WorkerRequest);
        },
        { once: true },
      );
      this.waiting.push(pending);
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      let slot = this.slots.find((candidate) => candidate.current === undefined);
      if (!slot && this.slots.length < this.options.workers) slot = this.spawn();
      if (!slot) return;
      const pending = this.waiting.shift()!;
      slot.current = pending;
      pending.onStart();
      pending.listeners.onStart?.();
      const worker = slot.worker;
      pending.timer = setTimeout(() => {
        pending.timedOut = true;
        worker.postMessage({ type: 'cancel', id: pending.id } satisfies WorkerRequest);
      }, this.options.jobTimeoutMs);
      worker.postMessage({ type: 'run', id: pending.id, job: pending.job } satisfies WorkerRequest);
    }
  }

  private spawn(): WorkerSlot {
    const worker = new Worker(new URL('./enhance-worker-entry.mjs', import.meta.url), { workerData: this.options.engine });
    const slot: WorkerSlot = { worker, current: undefined };
    worker.on('message', (reply: WorkerReply) => {
      const pending = slot.current;
      if (!pending || pending.id !== reply.id) return;
      if ('progress' in reply) {
        pending.listeners.onTile?.(reply.progress.done, reply.progress.total);
        return;
      }
      slot.current = undefined;
      clearTimeout(pending.timer);
      if (reply.ok) pending.resolve(reply.output);
      else if (reply.aborted && pending.timedOut) {
        pending.reject(
          new ServerError(
            `Enhancing did not finish within the ${this.options.jobTimeoutMs / 1000}-second limit; try a smaller image or a lower scale.`,
          ),
        );
      } else if (reply.aborted) pending.reject(pending.signal?.reason ?? new Error('enhance cancelled'));
      else {
        this.options.logger?.error({ err: reply.message }, 'enhance job failed');
        pending.reject(new ServerError('Enhancing the image failed unexpectedly; retry, and contact the operator if it persists.'));
      }
      this.dispatch();
    });
    const lose = (reason: unknown) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      this.slots.splice(index, 1);
      if (!this.closed) this.options.logger?.error({ err: String(reason) }, 'enhance worker stopped');
      clearTimeout(slot.current?.timer);
      slot.current?.reject(new ServerError('Enhancing the image failed unexpectedly; retry, and contact the operator if it persists.'));
      slot.current = undefined;
      if (!this.closed) this.dispatch();
    };
    worker.on('error', lose);
    worker.on('exit', (code) => lose(`exit code ${code}`));
    this.slots.push(slot);
    return slot;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.waiting.splice(0)) pending.reject(new ServiceUnavailableError('The service is shutting down.'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}
