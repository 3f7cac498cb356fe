import { describeStage, secondsLeft, type Job } from '../lib/jobs.ts';
import { useNow } from './QuotaMeter.tsx';

/** A running job as a person wants to see it: what it does, how far it is, how long it took, and a way out. */
export function JobProgress({ job, startedAt, onCancel, canceling }: { job: Job; startedAt: number; onCancel: () => void; canceling: boolean }) {
  const now = useNow(250);
  const elapsed = Math.max(Math.floor((now.getTime() - startedAt) / 1000), 0);
  const left = secondsLeft(job.progress, elapsed);
  return (
    <div className="job" data-testid="job-progress" aria-live="polite">
      <progress max={1} value={job.progress} aria-label="Progress" />
      <div className="row">
        <span data-testid="job-stage">{describeStage(job)}</span>
        <span className="muted small" data-testid="job-times">
          {Math.round(job.progress * 100)}% · {elapsed}s{left !== undefined ? ` · about ${left}s left` : ''}
        </span>
        <button type="button" onClick={onCancel} disabled={canceling}>
          {canceling ? 'Canceling…' : 'Cancel'}
        </button>
      </div>
    </div>
  );
}
