import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { failureFrom, type ApiFailure } from './errors.ts';
import { failureOf, isActive, unwatchJob, watchJob, watchedJobs, type Job, type WatchedJob } from './jobs.ts';
import { useTRPC } from './trpc.ts';

/** How often a running job is read again. */
const POLL_MS = 400;

/**
 * The job of one kind this browser is running: started by `start`, or found again in
 * localStorage when the page is opened, and read until it ends. `onSucceeded` runs once per
 * job, with what was recorded when it was started.
 */
export function useWatchedJob(kind: WatchedJob['kind'], onSucceeded: (job: Job, watched: WatchedJob) => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [watched, setWatched] = useState<WatchedJob | undefined>(() => watchedJobs().find((job) => job.kind === kind));
  const [ended, setEnded] = useState<Job | undefined>();
  const handled = useRef(new Set<string>());
  const query = useQuery({
    ...trpc.job.queryOptions({ id: watched?.id ?? '' }),
    enabled: watched !== undefined,
    refetchInterval: (current) => (current.state.data && !isActive(current.state.data) ? false : POLL_MS),
  });
  const job = watched && query.data?.id === watched.id ? query.data : undefined;
  const cancel = useMutation(trpc.cancelJob.mutationOptions());

  useEffect(() => {
    if (!watched) return;
    // The job is gone (expired, or it belongs to the key this browser used before).
    if (query.error) {
      unwatchJob(watched.id);
      setWatched(undefined);
      return;
    }
    if (!job || isActive(job) || handled.current.has(job.id)) return;
    handled.current.add(job.id);
    unwatchJob(job.id);
    setEnded(job);
    setWatched(undefined);
    if (job.status === 'succeeded') onSucceeded(job, watched);
    void queryClient.invalidateQueries({ queryKey: trpc.status.queryKey() });
  }, [job, query.error, watched, onSucceeded, queryClient, trpc]);

  return {
    watched,
    /** The job while it runs (undefined until its first read). */
    running: job && isActive(job) ? job : undefined,
    /** How the last job ended, if it failed or was canceled. */
    failure: ended ? failureOf(ended) : query.error ? failureFrom(query.error) : undefined,
    start(submitted: Job, extra: Pick<WatchedJob, 'settings'> = {}) {
      const next = { id: submitted.id, kind, startedAt: Date.now(), ...extra };
      watchJob(next);
      setEnded(undefined);
      setWatched(next);
      queryClient.setQueryData(trpc.job.queryKey({ id: submitted.id }), submitted);
      void queryClient.invalidateQueries({ queryKey: trpc.status.queryKey() });
    },
    cancel() {
      if (watched) cancel.mutate({ id: watched.id }, { onSettled: () => void query.refetch() });
    },
    canceling: cancel.isPending,
  };
}

export type WatchedJobState = ReturnType<typeof useWatchedJob>;

/** A failure of the submission itself (the same refusals as a synchronous call). */
export const submissionFailure = (error: unknown): ApiFailure | undefined => (error ? failureFrom(error) : undefined);
