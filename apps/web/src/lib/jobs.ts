// Type-only: the page never bundles server code.
import type { JobBody } from '@aiphoto/api';
import type { ApiFailure } from './errors.ts';

export type Job = JobBody;

/** A job this browser started and is watching, so a reload (or a return) picks it up again. */
export interface WatchedJob {
  id: string;
  kind: 'generate' | 'enhance';
  /** When the page submitted it (ms since the epoch): elapsed time counts from here. */
  startedAt: number;
  /** What was sent, as sent (a generation's prompt, model, seed…): the gallery records it, not what the form says later. */
  settings?: unknown;
}

const STORAGE_KEY = 'aiphoto.jobs.v1';
/** More running jobs than this cannot exist for one caller (the server's in-flight limits). */
const MAX_WATCHED = 10;

export const isActive = (job: Pick<Job, 'status'>) => job.status === 'queued' || job.status === 'running';

export function watchedJobs(storage: Storage = localStorage): WatchedJob[] {
  try {
    const parsed = JSON.parse(storage.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((job) => job && typeof job.id === 'string' && (job.kind === 'generate' || job.kind === 'enhance')) : [];
  } catch {
    return [];
  }
}

export function watchJob(job: WatchedJob, storage: Storage = localStorage): void {
  const others = watchedJobs(storage).filter((existing) => existing.id !== job.id);
  storage.setItem(STORAGE_KEY, JSON.stringify([job, ...others].slice(0, MAX_WATCHED)));
}

export function unwatchJob(id: string, storage: Storage = localStorage): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(watchedJobs(storage).filter((job) => job.id !== id)));
}

/**
 * Seconds left, extrapolated from the share done so far; nothing until there is a share to
 * go by (a provider's own wait cannot be guessed).
 */
export function secondsLeft(progress: number, elapsedSeconds: number): number | undefined {
  if (progress <= 0.02 || progress >= 1 || elapsedSeconds <= 0) return undefined;
  return Math.max(Math.round((elapsedSeconds * (1 - progress)) / progress), 1);
}

/** What a job is doing, in words: the server's stage, with its provider's status as it reported it. */
export function describeStage(job: Pick<Job, 'status' | 'stage' | 'kind'>): string {
  if (job.status === 'queued') return job.kind === 'enhance' ? 'Waiting for a free worker…' : 'Queued…';
  switch (job.stage) {
    case 'upscaling':
      return 'Upscaling…';
    case 'encoding':
      return 'Encoding…';
    case 'storing':
      return 'Saving…';
    default: {
      const [provider, status] = job.stage.split(': ');
      return status ? `${provider}: ${status}` : job.stage;
    }
  }
}

/** A failed or canceled job as the same failure a synchronous call would have given. */
export function failureOf(job: Job): ApiFailure | undefined {
  if (job.status === 'failed') return { code: job.error?.error ?? 'server_error', message: job.error?.message ?? 'The job failed.' };
  if (job.status === 'canceled') return { code: 'canceled', message: job.refunded ? 'Canceled; the unit was refunded.' : 'Canceled; the work had begun, so the unit was used.' };
  return undefined;
}
