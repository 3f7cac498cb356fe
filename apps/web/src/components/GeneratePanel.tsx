import type { GenerateResponse } from '@aiphoto/api';
import { MAX_PROMPT_CHARACTERS } from '@aiphoto/core/catalog';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { GalleryItem } from '../lib/gallery.ts';
import type { Job, WatchedJob } from '../lib/jobs.ts';
import { useTRPC } from '../lib/trpc.ts';
import { submissionFailure, useWatchedJob } from '../lib/use-job.ts';
import { ErrorMessage } from './ErrorMessage.tsx';
import { JobProgress } from './JobProgress.tsx';
import { PromptBox } from './PromptBox.tsx';

/** What a generation was asked with: sent with the job, kept in the gallery, and given back by "Use these settings". */
export interface GenerateSettings {
  prompt: string;
  model: string;
  style: string;
  ratio: string;
  seed?: number;
  negativePrompt?: string;
}

const MAX_SEED = 2 ** 32 - 1;
const randomSeed = () => Math.floor(Math.random() * (MAX_SEED + 1));
const localTime = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/** Brings a new result into view; instantly for people who asked for reduced motion. */
function reveal(element: HTMLElement | null) {
  const reduced = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
  element?.scrollIntoView({ behavior: reduced ? 'auto' : 'smooth', block: 'nearest' });
}

/** Generations run as jobs: the page shows the provider's own progress, can cancel, and picks a running one up again after a reload. */
export function GeneratePanel({ onResult, reuse }: { onResult: (item: GalleryItem) => void; reuse: GenerateSettings | undefined }) {
  const trpc = useTRPC();
  const catalog = useQuery(trpc.models.queryOptions());
  const status = useQuery(trpc.status.queryOptions());
  const [prompt, setPrompt] = useState('');
  const [model, setModel] = useState('flux-pro');
  const [style, setStyle] = useState('Photorealistic');
  const [ratio, setRatio] = useState('1:1');
  const [seed, setSeed] = useState('');
  const [negativePrompt, setNegativePrompt] = useState('');
  const [count, setCount] = useState(1);
  const [copied, setCopied] = useState(false);
  const [result, setResult] = useState<{ image: GenerateResponse; settings: GenerateSettings } | undefined>();
  const resultArea = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!reuse) return;
    setPrompt(reuse.prompt);
    setModel(reuse.model);
    setStyle(reuse.style);
    setRatio(reuse.ratio);
    setSeed(reuse.seed === undefined ? '' : String(reuse.seed));
    setNegativePrompt(reuse.negativePrompt ?? '');
    document.getElementById('prompt')?.focus();
  }, [reuse]);

  const finished = useCallback(
    (job: Job, watched: WatchedJob) => {
      const image = job.result as GenerateResponse;
      const settings = (watched.settings as GenerateSettings | undefined) ?? { prompt: '', model: image.model, style: image.style, ratio: image.ratio };
      setResult({ image, settings });
      // Every image of the batch goes to the gallery, newest (the first) on top.
      for (const one of [...(image.images ?? [image])].reverse()) {
        onResult({
          id: one.id,
          url: one.url,
          kind: 'generate',
          width: one.width,
          height: one.height,
          createdAt: image.created_at,
          prompt: settings.prompt,
          model: image.model,
          style: image.style,
          ratio: image.ratio,
          provider: image.provider,
          ...(one.seed === undefined ? {} : { seed: one.seed }),
          ...(settings.negativePrompt ? { negativePrompt: settings.negativePrompt } : {}),
        });
      }
    },
    [onResult],
  );
  const job = useWatchedJob('generate', finished);
  const submit = useMutation(trpc.generateJob.mutationOptions());
  useEffect(() => setCopied(false), [result?.image.url]);
  useEffect(() => {
    if (result) reveal(resultArea.current);
  }, [result]);

  const size = catalog.data?.ratios.find((candidate) => candidate.id === ratio) ?? { width: 1, height: 1 };
  const shown = result?.image;
  const busy = submit.isPending || job.watched !== undefined;
  const failure = submissionFailure(submit.error) ?? job.failure;
  const limit = catalog.data?.limits.max_prompt_characters ?? MAX_PROMPT_CHARACTERS;
  const maxImages = catalog.data?.limits.max_images_per_request ?? 1;
  const exhausted = status.data !== undefined && status.data.remaining === 0;
  const seedValue = seed.trim() === '' ? undefined : Number(seed);
  const seedInvalid = seedValue !== undefined && (!Number.isInteger(seedValue) || seedValue < 0 || seedValue > MAX_SEED);

  return (
    <section aria-labelledby="generate-title" className="panel generate">
      <h2 id="generate-title">Generate</h2>
      <div className="generate-grid">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (busy || exhausted || seedInvalid || !prompt.trim()) return;
            const settings: GenerateSettings = {
              prompt: prompt.trim(),
              model,
              style,
              ratio,
              ...(seedValue === undefined ? {} : { seed: seedValue }),
              ...(negativePrompt.trim() ? { negativePrompt: negativePrompt.trim() } : {}),
            };
            submit.mutate(
              {
                prompt: settings.prompt,
                model,
                style,
                ratio: ratio as never,
                n: count,
                ...(settings.seed === undefined ? {} : { seed: settings.seed }),
                ...(settings.negativePrompt ? { negative_prompt: settings.negativePrompt } : {}),
              },
              { onSuccess: (submitted) => job.start(submitted, { settings }) },
            );
          }}
        >
          <PromptBox value={prompt} onChange={setPrompt} limit={limit} />
          <div className="pickers">
            <div className="field wide">
              <label htmlFor="model">Model</label>
              <select id="model" value={model} onChange={(event) => setModel(event.target.value)}>
                {catalog.data?.models.map((option) => (
                  <option key={option.id} value={option.id}>
                    {option.name}
                    {/* Short enough for a phone's picker; the line under the button says what it means. */}
                    {option.offline ? ' (offline)' : ''}
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
            <div className="field">
              <label htmlFor="count">Images</label>
              <select id="count" value={count} onChange={(event) => setCount(Number(event.target.value))}>
                {Array.from({ length: maxImages }, (_, index) => (
                  <option key={index + 1} value={index + 1}>
                    {index + 1}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <details className="more">
            <summary>Seed and negative prompt</summary>
            <div className="field">
              <label htmlFor="seed">Seed</label>
              <div className="row tight">
                <input
                  id="seed"
                  inputMode="numeric"
                  placeholder="random"
                  value={seed}
                  aria-invalid={seedInvalid}
                  aria-describedby="seed-help"
                  onChange={(event) => setSeed(event.target.value.replace(/[^\d]/g, ''))}
                />
                <button type="button" onClick={() => setSeed(String(randomSeed()))} aria-label="Pick a random seed" title="Pick a random seed">
                  🎲
                </button>
                {seed && (
                  <button type="button" className="link" onClick={() => setSeed('')}>
                    Clear
                  </button>
                )}
              </div>
              <span id="seed-help" className={`small ${seedInvalid ? 'error-text' : 'muted'}`}>
                {seedInvalid ? `A seed is a whole number from 0 to ${MAX_SEED}.` : 'The same seed, prompt and model give the same picture where the provider honours seeds.'}
              </span>
            </div>
            <div className="field">
              <label htmlFor="negative-prompt">Negative prompt</label>
              <input id="negative-prompt" value={negativePrompt} maxLength={limit} placeholder="What to leave out: blur, text, watermark" onChange={(event) => setNegativePrompt(event.target.value)} />
            </div>
          </details>
          <div className="row">
            <button type="submit" className="primary" disabled={busy || exhausted || seedInvalid || !prompt.trim()} aria-busy={busy} aria-describedby={exhausted ? 'quota-out' : undefined}>
              {busy ? 'Generating…' : count > 1 ? `Generate ${count}` : 'Generate'}
            </button>
            {exhausted && status.data && (
              <span id="quota-out" className="small" role="status">
                No images left today ({status.data.limit_today} on the {status.data.plan} plan). More at {localTime(status.data.reset_at)} your time
                {status.data.plan === 'free' ? '; an API key lifts the free limit (below the header).' : '.'}
              </span>
            )}
          </div>
          {catalog.data?.models.find((option) => option.id === model)?.offline && (
            <p className="muted small">This model is served by the offline placeholder renderer: it draws a stand-in picture, not AI art.</p>
          )}
        </form>
        <div className="generate-result" ref={resultArea}>
          {job.running && job.watched && <JobProgress job={job.running} startedAt={job.watched.startedAt} onCancel={job.cancel} canceling={job.canceling} />}
          <ErrorMessage failure={failure} resetAt={status.data?.reset_at} />
          <figure
            className="result"
            style={{ aspectRatio: `${shown?.width ?? size.width} / ${shown?.height ?? size.height}` }}
            aria-live="polite"
            aria-busy={busy}
          >
            {shown ? (
              <img src={shown.url} alt={`Generated: ${result?.settings.prompt ?? ''}`} width={shown.width} height={shown.height} data-testid="generated-image" />
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
              <span className="muted small" data-testid="result-details">
                {shown.width}×{shown.height} · {shown.provider === 'local' ? 'offline renderer' : shown.provider}
                {shown.seed === undefined ? '' : ` · seed ${shown.seed}`}
                {(shown.images?.length ?? 1) > 1 ? ` · ${shown.images!.length - 1} more in Your images` : ''}
              </span>
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
