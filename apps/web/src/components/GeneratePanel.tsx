import { MAX_PROMPT_CHARACTERS } from '@aiphoto/core/catalog';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { failureFrom, type ApiFailure } from '../lib/errors.ts';
import type { GalleryItem } from '../lib/gallery.ts';
import { useTRPC } from '../lib/trpc.ts';
import { ErrorMessage } from './ErrorMessage.tsx';
import { PromptBox } from './PromptBox.tsx';
import { useNow } from './QuotaMeter.tsx';

export function GeneratePanel({ onResult }: { onResult: (item: GalleryItem) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const catalog = useQuery(trpc.models.queryOptions());
  const status = useQuery(trpc.status.queryOptions());
  const [prompt, setPrompt] = useState('');
  const [model, setModel] = useState('flux-pro');
  const [style, setStyle] = useState('Photorealistic');
  const [ratio, setRatio] = useState('1:1');
  const [startedAt, setStartedAt] = useState<number | undefined>();
  const [copied, setCopied] = useState(false);
  const now = useNow(250);

  const generate = useMutation(
    trpc.generate.mutationOptions({
      onSuccess: (image) => {
        onResult({
          id: image.id,
          url: image.url,
          kind: 'generate',
          width: image.width,
          height: image.height,
          createdAt: image.created_at,
          prompt: prompt.trim(),
          model: image.model,
          style: image.style,
          ratio: image.ratio,
        });
      },
      onSettled: () => {
        setStartedAt(undefined);
        void queryClient.invalidateQueries({ queryKey: trpc.status.queryKey() });
      },
    }),
  );
  useEffect(() => setCopied(false), [generate.data?.url]);

  const size = catalog.data?.ratios.find((candidate) => candidate.id === ratio) ?? { width: 1, height: 1 };
  const shown = generate.data ?? undefined;
  const failure: ApiFailure | undefined = generate.error ? failureFrom(generate.error) : undefined;
  const limit = catalog.data?.limits.max_prompt_characters ?? MAX_PROMPT_CHARACTERS;
  const elapsed = startedAt ? Math.floor((now.getTime() - startedAt) / 1000) : 0;

  return (
    <section aria-labelledby="generate-title" className="panel">
      <h2 id="generate-title">Generate</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (generate.isPending || !prompt.trim()) return;
          setStartedAt(Date.now());
          generate.mutate({ prompt, model: model as never, style, ratio: ratio as never });
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
        <button type="submit" className="primary" disabled={generate.isPending || !prompt.trim()} aria-busy={generate.isPending}>
          {generate.isPending ? `Generating… ${elapsed}s` : 'Generate'}
        </button>
        {catalog.data?.models.find((option) => option.id === model)?.offline && (
          <p className="muted small">This model is served by the offline placeholder renderer: it draws a stand-in picture, not AI art.</p>
        )}
      </form>
      <ErrorMessage failure={failure} resetAt={status.data?.reset_at} />
      <figure className="result" style={{ aspectRatio: `${shown?.width ?? size.width} / ${shown?.height ?? size.height}` }} aria-live="polite">
        {shown ? (
          <img src={shown.url} alt={`Generated: ${prompt}`} width={shown.width} height={shown.height} data-testid="generated-image" />
        ) : (
          <figcaption className="muted">{generate.isPending ? 'Working on it…' : 'Your image will appear here.'}</figcaption>
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
