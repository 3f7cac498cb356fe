import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Caller } from '../access.ts';
import { AIPhotoError, CallerGoneError, InvalidRequestError, NotFoundError, ServerError, ServiceUnavailableError } from '../errors.ts';
import type { KeyService } from '../keys/key-service.ts';
import type { Reservation } from '../quota/quota-service.ts';
import type { QuotaStore } from '../quota/quota-store.ts';
import type { WorkHooks } from '../work-hooks.ts';
import { ACTIVE_STATUSES, isActive, type JobKind, type JobPatch, type JobRecord, type JobStatus, type JobStore, type WebhookAttempt } from './job-store.ts';
import { jobView } from './job-view.ts';
import { sendWebhook, type WebhookPolicy } from './webhooks.ts';

/**
 * The reason a job's signal carries when its caller cancels it. It is a hang-up as far as
 * the services are concerned, so the refund rule is the one for a caller who leaves: work a
 * provider or a worker had begun is paid for, work still queued is not.
 */
export class JobCanceledError extends CallerGoneError {
  constructor(id: string) {
    super(id);
    this.name = 'JobCanceledError';
    this.message = `job ${id} was canceled by its caller`;
  }
}

export interface JobSettings {
  /** An active job whose instance has not renewed it for this long counts as abandoned. */
  leaseMs: number;
  /** How long a finished job can still be read. */
  finishedTtlMs: number;
  /** The waits between webhook attempts; one attempt more than there are waits. */
  webhookRetryDelaysMs: readonly number[];
  /** Least time between two progress writes of one job. */
  progressIntervalMs: number;
}

export interface JobLogger {
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** Runs a caller's work: the signal stops it, the hooks tell the job what it is doing. */
export type JobWork<T> = (signal: AbortSignal, hooks: WorkHooks) => Promise<T>;

interface LocalJob {
  controller: AbortController;
  done: Promise<void>;
}

const JOB_ID = /^job_[A-Za-z0-9_-]{24}$/;
const MAX_STAGE_LENGTH = 80;
export const MAX_LISTED_JOBS = 100;
const SHUTDOWN_MESSAGE = 'The server restarted before this job finished; its unit was refunded. Submit it again.';
const ABANDONED_MESSAGE = 'The server running this job stopped before it finished; its unit was refunded. Submit it again.';

const statusOf = (stage: string): JobStatus => (stage === 'queued' ? 'queued' : 'running');

/**
 * Jobs: the same work as a synchronous call, run after the answer. A submission runs the work
 * until it is admitted — validated, filtered, its units reserved, exactly as a synchronous
 * call would be, so every refusal still comes back as the submission's own error — and only
 * then records the job and answers. The instance running a job renews its lease; a job whose
 * lease runs out (its process crashed or was killed) is ended `failed` and refunded by
 * whichever instance sees it first.
 */
export class JobService {
  private readonly local = new Map<string, LocalJob>();
  private readonly deliveries = new Set<{ controller: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private lastPrune = 0;
  private closing = false;

  constructor(
    private readonly deps: {
      store: JobStore;
      quota: QuotaStore;
      keys: KeyService;
      policy: WebhookPolicy;
      settings: JobSettings;
      clock: () => Date;
      logger?: JobLogger;
    },
  ) {}

  /** Jobs this instance is running now. */
  get active(): number {
    return this.local.size;
  }

  /** Checks a webhook before any work: only a key's jobs can be signed, only allowed addresses reached. */
  private async webhookFor(caller: Caller, raw: string | undefined): Promise<{ url: URL; keyId: string } | undefined> {
    if (raw === undefined) return undefined;
    if (caller.keyId === undefined) {
      throw new InvalidRequestError('webhook_url needs an API key: webhooks are signed with the key\'s secret (pnpm aiphoto keys webhook-secret ID).', {
        field: 'webhook_url',
      });
    }
    return { url: await this.deps.policy.check(raw), keyId: caller.keyId };
  }

  async submit<T>(caller: Caller, kind: JobKind, work: JobWork<T>, options: { webhookUrl?: string; present: (result: T) => unknown }): Promise<JobRecord> {
    if (this.closing) throw new ServiceUnavailableError('The service is shutting down; retry in a few seconds.', { retryAfterSeconds: 5 });
    const webhook = await this.webhookFor(caller, options.webhookUrl);
    const id = `job_${randomBytes(18).toString('base64url')}`;
    const controller = new AbortController();
    let reservation: Reservation | undefined;
    let latest = { stage: 'queued', progress: 0 };
    let recorded = false;
    let writes: Promise<unknown> = Promise.resolve();
    let writePending = false;
    const writeProgress = () => {
      if (!recorded || writePending) return;
      writePending = true;
      writes = writes
        .then(() => sleep(this.deps.settings.progressIntervalMs))
        .then(() => {
          writePending = false;
          const { stage, progress } = latest;
          return this.deps.store.update(id, { status: statusOf(stage), stage, progress, updatedAt: this.deps.clock().toISOString() }, ACTIVE_STATUSES);
        })
        .catch((error: unknown) => this.deps.logger?.warn({ job: id, err: String(error) }, 'could not record job progress'));
    };
    let admit!: () => void;
    const admitted = new Promise<void>((resolve) => (admit = resolve));
    const running = work(controller.signal, {
      reserved: (taken) => {
        reservation = taken;
        admit();
      },
      progress: (update) => {
        // A provider's own status words end up here: keep what is stored and shown small.
        latest = { stage: update.stage.slice(0, MAX_STAGE_LENGTH), progress: Math.max(latest.progress, update.progress ?? latest.progress) };
        writeProgress();
      },
    });
    // Refusals before admission are the submission's answer; anything later is the job's.
    running.catch(() => undefined);
    await Promise.race([admitted, running]);

    const now = this.deps.clock();
    const record: JobRecord = {
      id,
      subject: caller.account.subject,
      kind,
      status: statusOf(latest.stage),
      progress: latest.progress,
      stage: latest.stage,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      leaseUntil: now.getTime() + this.deps.settings.leaseMs,
      ...(reservation ? { charge: { day: reservation.day, units: reservation.units } } : {}),
      ...(webhook ? { webhook: { url: webhook.url.href, keyId: webhook.keyId, state: 'pending' as const, attempts: [] } } : {}),
    };
    try {
      await this.deps.store.create(record);
    } catch (error) {
      controller.abort(new ServiceUnavailableError('The job could not be recorded; retry in a few seconds.', { retryAfterSeconds: 5 }));
      await running.catch(() => undefined);
      throw error;
    }
    recorded = true;
    const done = running
      .then(
        (result): JobPatch => ({ status: 'succeeded', progress: 1, stage: 'done', result: options.present(result) }),
        (error: unknown) => this.failure(id, error, controller.signal, reservation),
      )
      .then(async (patch) => {
        await writes;
        await this.finish(id, patch);
      })
      .finally(() => this.local.delete(id));
    this.local.set(id, { controller, done });
    return record;
  }

  private failure(id: string, error: unknown, signal: AbortSignal, reservation: Reservation | undefined): JobPatch {
    const refunded = reservation?.state === 'refunded';
    if (signal.reason instanceof JobCanceledError) return { status: 'canceled', stage: 'canceled', refunded };
    if (!(error instanceof AIPhotoError)) this.deps.logger?.error({ job: id, err: error }, 'job failed unexpectedly');
    // Stopped by the server (a shutdown, a lost lease): the reason it gave is the job's error.
    const cause = signal.aborted && signal.reason instanceof AIPhotoError ? signal.reason : error;
    const known = cause instanceof AIPhotoError ? cause : new ServerError('The job failed unexpectedly; submit it again, and contact the operator if it persists.');
    return { status: 'failed', stage: 'failed', error: { error: known.code, message: known.message }, refunded };
  }

  /** Ends a job once; a store that does not answer is tried again for a few seconds. */
  private async finish(id: string, patch: JobPatch): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const ended = await this.deps.store.update(id, { ...patch, updatedAt: this.deps.clock().toISOString() }, ACTIVE_STATUSES);
        if (!ended) this.deps.logger?.warn({ job: id }, 'job was ended elsewhere (its lease ran out) before it finished here');
        else if (ended.webhook) this.deliver(ended);
        return;
      } catch (error) {
        if (attempt >= 4) {
          this.deps.logger?.error({ job: id, err: String(error) }, 'could not record the end of a job');
          return;
        }
        await sleep(500 * (attempt + 1));
      }
    }
  }

  /** The caller's own job; any other caller is told there is no such job. */
  async get(caller: Caller, id: string): Promise<JobRecord> {
    const record = JOB_ID.test(id) ? await this.deps.store.get(id) : undefined;
    if (!record || record.subject !== caller.account.subject) throw new NotFoundError(`No job ${id.slice(0, 40)} belongs to this caller.`);
    return record;
  }

  list(caller: Caller, options: { status?: JobStatus; limit: number }): Promise<JobRecord[]> {
    return this.deps.store.list(caller.account.subject, { ...options, limit: Math.min(options.limit, MAX_LISTED_JOBS) });
  }

  /**
   * Stops an active job: here at once (a provider call is aborted, an enhancement stops at
   * the next tile), or, when another instance runs it, at that instance's next heartbeat.
   * A finished job is answered as it is.
   */
  async cancel(caller: Caller, id: string): Promise<JobRecord> {
    const record = await this.get(caller, id);
    if (!isActive(record.status)) return record;
    const local = this.local.get(id);
    if (local) {
      local.controller.abort(new JobCanceledError(id));
      await Promise.race([local.done, sleep(5_000)]);
    } else {
      await this.deps.store.update(id, { cancelRequested: true }, ACTIVE_STATUSES);
    }
    return (await this.deps.store.get(id)) ?? record;
  }

  /** Renews this instance's leases, applies cancels sent to other instances, ends abandoned jobs. */
  async heartbeat(): Promise<void> {
    const now = this.deps.clock().getTime();
    for (const [id, job] of this.local) {
      try {
        const renewed = await this.deps.store.update(id, { leaseUntil: now + this.deps.settings.leaseMs }, ACTIVE_STATUSES);
        if (!renewed) job.controller.abort(new ServiceUnavailableError(ABANDONED_MESSAGE));
        else if (renewed.cancelRequested) job.controller.abort(new JobCanceledError(id));
      } catch (error) {
        this.deps.logger?.warn({ job: id, err: String(error) }, 'could not renew a job lease');
      }
    }
    await this.recover(now);
    if (now - this.lastPrune >= 10 * 60_000) {
      this.lastPrune = now;
      await this.deps.store.prune(new Date(now - this.deps.settings.finishedTtlMs).toISOString());
    }
  }

  /** Ends active jobs whose lease ran out and gives their units back; returns how many. */
  async recover(now = this.deps.clock().getTime()): Promise<number> {
    let ended = 0;
    for (const job of await this.deps.store.abandoned(now, 100)) {
      if (this.local.has(job.id)) continue;
      const failed = await this.deps.store.update(
        job.id,
        { status: 'failed', stage: 'failed', error: { error: 'server_error', message: ABANDONED_MESSAGE }, refunded: true, updatedAt: new Date(now).toISOString() },
        ACTIVE_STATUSES,
      );
      // Only the instance whose update ended the job refunds it.
      if (!failed) continue;
      ended++;
      if (failed.charge) await this.deps.quota.release(failed.subject, failed.charge.day, failed.charge.units);
      if (failed.webhook) this.deliver(failed);
    }
    return ended;
  }

  start(): void {
    const tick = () =>
      void this.heartbeat().catch((error: unknown) => this.deps.logger?.warn({ err: String(error) }, 'job heartbeat failed'));
    tick();
    this.timer = setInterval(tick, Math.max(Math.floor(this.deps.settings.leaseMs / 3), 50));
    this.timer.unref();
  }

  /** POSTs a finished job to its webhook, retrying with the configured waits, each attempt recorded. */
  private deliver(record: JobRecord): void {
    const webhook = record.webhook!;
    const controller = new AbortController();
    const body = JSON.stringify(jobView(record));
    const attempts: WebhookAttempt[] = [];
    const waits = [0, ...this.deps.settings.webhookRetryDelaysMs];
    const save = (state: 'pending' | 'delivered' | 'failed') => this.deps.store.update(record.id, { webhook: { ...webhook, state, attempts: [...attempts] } });
    const done = (async () => {
      const secret = await this.deps.keys.webhookSecret(webhook.keyId);
      if (!secret) {
        attempts.push({ at: this.deps.clock().toISOString(), error: 'the API key that asked for this webhook no longer exists' });
        await save('failed');
        return;
      }
      for (const [index, wait] of waits.entries()) {
        try {
          if (wait > 0) await sleep(wait, undefined, { signal: controller.signal });
        } catch {
          attempts.push({ at: this.deps.clock().toISOString(), error: 'the server stopped before the next attempt' });
          await save('failed');
          return;
        }
        const attempt = await sendWebhook(this.deps.policy, { url: webhook.url, secret, messageId: `msg_${record.id}`, body, now: this.deps.clock(), signal: controller.signal });
        attempts.push(attempt);
        const delivered = attempt.error === undefined;
        await save(delivered ? 'delivered' : index === waits.length - 1 ? 'failed' : 'pending');
        if (delivered) return;
      }
    })()
      .catch((error: unknown) => this.deps.logger?.warn({ job: record.id, err: String(error) }, 'webhook delivery failed'))
      .finally(() => this.deliveries.delete(entry));
    const entry = { controller, done };
    this.deliveries.add(entry);
  }

  /**
   * Stops taking jobs, lets running ones finish for up to `graceMs`, then stops the rest (they
   * end `failed`, refunded) and the webhook retries still waiting.
   */
  async close(graceMs = 0): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    const settled = () => Promise.all([...this.local.values()].map((job) => job.done));
    await Promise.race([settled(), sleep(graceMs)]);
    if (this.local.size > 0) this.deps.logger?.warn({ jobs: this.local.size }, 'stopping the jobs still running: they end failed and refunded');
    for (const job of this.local.values()) job.controller.abort(new ServiceUnavailableError(SHUTDOWN_MESSAGE));
    await Promise.race([settled(), sleep(5_000)]);
    for (const delivery of this.deliveries) delivery.controller.abort();
    await Promise.race([Promise.all([...this.deliveries].map((delivery) => delivery.done)), sleep(2_000)]);
  }
}
