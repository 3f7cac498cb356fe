import { useState } from 'react';
import { readApiKey, saveApiKey } from '../lib/api-key.ts';

export function ApiKeyField({ onChange }: { onChange: () => void }) {
  const [saved, setSaved] = useState(() => readApiKey());
  const [draft, setDraft] = useState('');
  return (
    <section aria-labelledby="key-title" className="panel">
      <h2 id="key-title">Use an API key</h2>
      <p className="muted">
        Optional. With a pro key you get its daily limit instead of the free one. It is kept in this browser only.{' '}
        <a href="/api/docs">API documentation</a>
      </p>
      {saved ? (
        <div className="row">
          <span>
            Using key <code>{saved.slice(0, 12)}…</code>
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
        </div>
      ) : (
        <form
          className="row"
          onSubmit={(event) => {
            event.preventDefault();
            if (!draft.trim()) return;
            saveApiKey(draft);
            setSaved(draft.trim());
            setDraft('');
            onChange();
          }}
        >
          <label htmlFor="api-key" className="visually-hidden">
            API key
          </label>
          <input id="api-key" type="password" autoComplete="off" placeholder="aip_…" value={draft} onChange={(event) => setDraft(event.target.value)} />
          <button type="submit">Use key</button>
        </form>
      )}
    </section>
  );
}
