/**
 * Jobs: work a caller asked to run in the background (`Prefer: respond-async`). They live in
 * the same store as quotas, so every instance answers for every job, and they outlive the
 * process that ran them: a job whose instance stopped renewing its lease is ended `failed`
 * and its units refunded by whichever instance notices first.
 */

export const JOB_KINDS = ['generate', 'enhance'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A job still at work: it holds units and a lease. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'running'];

export const isActive = (status: JobStatus) => ACTIVE_STATUSES.includes(status);

export interface WebhookAttempt {
  at: string;
  /** The receiver's HTTP status, when it answered. */
  statusCode?: number;
  /** Why the attempt failed, when it did not get a 2xx. */
  error?: string;
}

export interface JobWebhook {
  url: string;
  /** The API key whose secret signs it. */
  keyId: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: WebhookAttempt[];
}

export interface JobRecord {
  id: string;
  /** The caller that created it (an API key, or an anonymous network): only it may see it. */
  subject: string;
  kind: JobKind;
  status: JobStatus;
  /** 0–1: tiles done of tiles in all, or images done of images asked for. */
  progress: number;
  /** What the work is doing now ("queued", "upscaling", "bfl: Pending", …). */
  stage: string;
  createdAt: string;
  updatedAt: string;
  /** The body the synchronous call would have answered, once succeeded. */
  result?: unknown;
  /** The contract's error envelope without `success`, once failed or canceled. */
  error?: { error: string; message: string };
  /** The units this job holds, so they can be refunded after a crash. */
  charge?: { day: string; units: number };
  /** Whether the job's units were given back (failed or canceled jobs). */
  refunded?: boolean;
  webhook?: JobWebhook;
  /** Milliseconds since the epoch after which an active job counts as abandoned. */
  leaseUntil: number;
  /** Set by a cancel that reached an instance other than the one running the job. */
  cancelRequested?: boolean;
}

export type JobPatch = Partial<Omit<JobRecord, 'id' | 'subject' | 'kind' | 'createdAt'>>;

export interface JobStore {
  create(record: JobRecord): Promise<void>;
  get(id: string): Promise<JobRecord | undefined>;
  /**
   * Applies `patch` atomically, only while the job's status is one of `from` (so two
   * instances cannot both end the same job); returns the updated job, or undefined.
   */
  update(id: string, patch: JobPatch, from?: readonly JobStatus[]): Promise<JobRecord | undefined>;
  /** The subject's jobs, newest first, at most `limit`. */
  list(subject: string, options: { status?: JobStatus; limit: number }): Promise<JobRecord[]>;
  /** Active jobs whose lease ran out before `now`. */
  abandoned(now: number, limit: number): Promise<JobRecord[]>;
  /** Forgets finished jobs last updated before `before` (ISO time). */
  prune(before: string): Promise<number>;
}
