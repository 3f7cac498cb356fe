import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { formatCountdown } from '../lib/countdown.ts';
import { failureFrom } from '../lib/errors.ts';
import { useTRPC } from '../lib/trpc.ts';

export interface QuotaStatus {
  usage_today: number;
  limit_today: number;
  remaining: number;
  reset_at: string;
  plan: 'free' | 'pro';
}

/** Re-renders every second so the countdown stays live. */
export function useNow(intervalMs = 1000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function QuotaMeterView({ status, now, refused }: { status: QuotaStatus | undefined; now: Date; refused?: boolean }) {
  if (refused) return <div className="meter">API key not accepted</div>;
  if (!status) return <div className="meter" aria-busy="true">Loading quota…</div>;
  const reset = new Date(status.reset_at);
  return (
    <section className="meter" aria-label="Today's quota">
      <div className="meter-row">
        <span className={`plan plan-${status.plan}`}>{status.plan === 'pro' ? 'Pro' : 'Free'}</span>
        <span>
          <strong data-testid="usage">{status.usage_today}</strong> / <span data-testid="limit">{status.limit_today}</span> used today
        </span>
      </div>
      <meter min={0} max={status.limit_today} value={status.usage_today} aria-label="Used today" />
      <div className="meter-row small">
        <span data-testid="remaining">{status.remaining} left</span>
        <span title={`Resets at ${reset.toLocaleString()}`}>
          Resets in <span data-testid="countdown">{formatCountdown(reset, now)}</span>
        </span>
      </div>
    </section>
  );
}

export function QuotaMeter() {
  const trpc = useTRPC();
  const status = useQuery({ ...trpc.status.queryOptions(), refetchInterval: 60_000 });
  const now = useNow();
  const resetPassed = status.data !== undefined && now.getTime() >= Date.parse(status.data.reset_at);
  // Past the reset, fetch the fresh day's quota.
  useEffect(() => {
    if (resetPassed) void status.refetch();
  }, [resetPassed]);
  // A refused key must not leave yesterday's "Free 5/5" on screen.
  const refused = status.error !== null && failureFrom(status.error).code === 'unauthorized';
  return <QuotaMeterView status={refused ? undefined : status.data} now={now} refused={refused} />;
}
