import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { readApiKey, saveApiKey } from '../lib/api-key.ts';
import { failureFrom } from '../lib/errors.ts';
import { useTRPC } from '../lib/trpc.ts';

/** What people paste: the key, or the whole header value from an example ("Bearer aip_…"). */
export const cleanKey = (text: string) => text.trim().replace(/^bearer\s+/i, '').trim();

/**
 * A key is checked when it is entered (GET /api/status with it): accepted, it is kept in this
 * browser and the plan and limit are shown; refused, it is not kept and the reason is shown.
 * A kept key that stops working (revoked) says so here too.
 */
export function ApiKeyField({ onChange }: { onChange: () => void }) {
  const trpc = useTRPC();
  const [saved, setSaved] = useState(() => readApiKey());
  const [draft, setDraft] = useState('');
  const [checking, setChecking] = useState(false);
  const [refusal, setRefusal] = useState<string | undefined>();
  const status = useQuery(trpc.status.queryOptions());
  const savedRefused = saved !== undefined && status.error && failureFrom(status.error).code === 'unauthorized';

  const check = async () => {
    const key = cleanKey(draft);
    if (!key) return;
    setChecking(true);
    setRefusal(undefined);
    try {
      const answer = await fetch('/api/status', { headers: { authorization: `Bearer ${key}`, 'x-requested-with': 'XMLHttpRequest' } });
      if (answer.ok) {
        saveApiKey(key);
        setSaved(key);
        setDraft('');
        onChange();
      } else {
        const body = (await answer.json().catch(() => ({}))) as { message?: string };
        setRefusal(`This key was not accepted: ${body.message ?? `the server answered ${answer.status}`}`);
      }
    } catch {
      setRefusal('Could not reach the server to check the key. Check your connection and try again.');
    } finally {
      setChecking(false);
    }
  };

  return (
    <section aria-labelledby="key-title" className="panel key">
      <h2 id="key-title">API key</h2>
      {saved ? (
        <div className="row wrap">
          <span data-testid="key-state">
            Using key <code>{saved.slice(0, 12)}…</code>
            {status.data && !savedRefused && ` · ${status.data.plan === 'pro' ? 'Pro' : 'Free'} plan, ${status.data.limit_today} images a day`}
          </span>
          <button
            type="button"
            onClick={() => {
              saveApiKey(undefined);
              setSaved(undefined);
              onChange();
            }}
          >
            Clear key
          </button>
          {savedRefused && (
            <p className="error" role="alert">
              This key is no longer accepted (it may have been revoked). Clear it to use the free plan, or enter another.
            </p>
          )}
        </div>
      ) : (
        <>
          <p className="muted small">
            Optional: a pro key gives its daily limit instead of the free {status.data?.plan === 'free' ? status.data.limit_today : ''} a day. It is kept in
            this browser only. <a href="/api/docs">API documentation</a>
          </p>
          <form
            className="row"
            onSubmit={(event) => {
              event.preventDefault();
              void check();
            }}
          >
            <label htmlFor="api-key" className="visually-hidden">
              API key
            </label>
            <input
              id="api-key"
              type="password"
              autoComplete="off"
              placeholder="aip_…"
              value={draft}
              aria-invalid={refusal !== undefined}
              onChange={(event) => {
                setDraft(event.target.value);
                setRefusal(undefined);
              }}
            />
            <button type="submit" disabled={checking || !cleanKey(draft)} aria-busy={checking}>
              {checking ? 'Checking…' : 'Use key'}
            </button>
          </form>
          {refusal && (
            <p className="error" role="alert">
              {refusal}
            </p>
          )}
        </>
      )}
    </section>
  );
}
