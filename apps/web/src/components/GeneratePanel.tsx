import type { GenerateResponse } from '@aiphoto/api';
import { MAX_PROMPT_CHARACTERS } from '@aiphoto/core/catalog';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import type { GalleryItem } from '../lib/gallery.ts';
import type { Job, WatchedJob } from '../lib/jobs.ts';
import { useTRPC } from '../lib/trpc.ts';
import { submissionFailure, useWatchedJob } from '../lib/use-job.ts';
import { ErrorMessage } from './ErrorMessage.tsx';
import { JobProgress } from './JobProgress.tsx';
import { PromptBox } from './PromptBox.tsx';

/** Generations run as jobs: the page shows the provider's own progress, can cancel, and picks a running one up again after a reload. */
export function GeneratePanel({ onResult }: { onResult: (item: GalleryItem) => void }) {
  const trpc = useTRPC();
  const catalog = useQuery(trpc.models.queryOptions());
  const status = useQuery(trpc.status.queryOptions());
  const [prompt, setPrompt] = useState('');
  const [model, setModel] = useState('flux-pro');
  const [style, setStyle] = useState('Photorealistic');
  const [ratio, setRatio] = useState('1:1');
  const [copied, setCopied] = useState(false);
  const [result, setResult] = useState<{ image: GenerateResponse; prompt: string } | undefined>();

  const finished = useCallback(
    (job: Job, watched: WatchedJob) => {
      const image = job.result as GenerateResponse;
      const sent = watched.prompt ?? '';
      setResult({ image, prompt: sent });
      onResult({
        id: image.id,
        url: image.url,
        kind: 'generate',
        width: image.width,
        height: image.height,
        createdAt: image.created_at,
        prompt: sent,
        model: image.model,
        style: image.style,
        ratio: image.ratio,
      });
    },
    [onResult],
  );
  const job = useWatchedJob('generate', finished);
  const submit = useMutation(trpc.generateJob.mutationOptions());
  useEffect(() => setCopied(false), [result?.image.url]);

  const size = catalog.data?.ratios.find((candidate) => candidate.id === ratio) ?? { width: 1, height: 1 };
  const shown = result?.image;
  const busy = submit.isPending || job.watched !== undefined;
  const failure = submissionFailure(submit.error) ?? job.failure;
  const limit = catalog.data?.limits.max_prompt_characters ?? MAX_PROMPT_CHARACTERS;

  return (
    <section aria-labelledby="generate-title" className="panel">
      <h2 id="generate-title">Generate</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (busy || !prompt.trim()) return;
          const sent = prompt.trim();
          submit.mutate({ prompt: sent, model, style, ratio: ratio as never }, { onSuccess: (submitted) => job.start(submitted, { prompt: sent }) });
        }}
      >
        <PromptBox value={prompt} onChange={setPrompt} limit={limit} />
        <div className="pickers">
          <div className="field">
            <label htmlFor="model">Model</label>
            <select id="model" value={model} onChange={(event) => setModel(event.target.value)}>
              {catalog.data?.models.map((option) => (
                <option key={option.id} value={option.id}>
                  {option.name}
                  {option.offline ? ' (offline placeholder)' : ''}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="style">Style</label>
            <select id="style" value={style} onChange={(event) => setStyle(event.target.value)}>
              {catalog.data?.styles.map((option) => (
                <option key={option}>{option}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="ratio">Aspect ratio</label>
            <select id="ratio" value={ratio} onChange={(event) => setRatio(event.target.value)}>
              {catalog.data?.ratios.map((option) => (
                <option key={option.id} value={option.id}>
                  {option.id}
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit" className="primary" disabled={busy || !prompt.trim()} aria-busy={busy}>
          {busy ? 'Generating…' : 'Generate'}
        </button>
        {catalog.data?.models.find((option) => option.id === model)?.offline && (
          <p className="muted small">This model is served by the offline placeholder renderer: it draws a stand-in picture, not AI art.</p>
        )}
      </form>
      {job.running && job.watched && <JobProgress job={job.running} startedAt={job.watched.startedAt} onCancel={job.cancel} canceling={job.canceling} />}
      <ErrorMessage failure={failure} resetAt={status.data?.reset_at} />
      <figure className="result" style={{ aspectRatio: `${shown?.width ?? size.width} / ${shown?.height ?? size.height}` }} aria-live="polite">
        {shown ? (
          <img src={shown.url} alt={`Generated: ${result?.prompt ?? ""}`} width={shown.width} height={shown.height} data-testid="generated-image" />
        ) : (
          <figcaption className="muted">{busy ? 'Working on it…' : 'Your image will appear here.'}</figcaption>
        )}
      </figure>
      {shown && (
        <div className="row">
          <a className="button" href={shown.url} download>
            Download
          </a>
          <button
            type="button"
            onClick={() => {
              void navigator.clipboard?.writeText(shown.url).then(() => setCopied(true));
            }}
          >
            {copied ? 'Link copied' : 'Copy link'}
          </button>
          <span className="muted small">
            {shown.width}×{shown.height} · {shown.provider === 'local' ? 'offline renderer' : shown.provider}
          </span>
        </div>
      )}
    </section>
  );
}
