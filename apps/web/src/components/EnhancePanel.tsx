import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { uploadForEnhance, type EnhanceResult } from '../lib/enhance-upload.ts';
import type { ApiFailure } from '../lib/errors.ts';
import type { GalleryItem } from '../lib/gallery.ts';
import { useTRPC } from '../lib/trpc.ts';
import { CompareSlider } from './CompareSlider.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export function EnhancePanel({ onResult }: { onResult: (item: GalleryItem) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const catalog = useQuery(trpc.models.queryOptions());
  const status = useQuery(trpc.status.queryOptions());
  const [file, setFile] = useState<File | undefined>();
  const [preview, setPreview] = useState<string | undefined>();
  const [strength, setStrength] = useState(5);
  const [scale, setScale] = useState(4);
  const [progress, setProgress] = useState<number | undefined>();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | undefined>();
  const [result, setResult] = useState<EnhanceResult | undefined>();
  const [dragging, setDragging] = useState(false);
  const maxBytes = catalog.data?.limits.max_upload_bytes;

  useEffect(() => () => (preview ? URL.revokeObjectURL(preview) : undefined), [preview]);

  const choose = (chosen: File | undefined) => {
    setResult(undefined);
    setFailure(undefined);
    if (!chosen) return;
    if (maxBytes && chosen.size > maxBytes) {
      setFile(undefined);
      setFailure({ code: 'payload_too_large', message: `The file is ${megabytes(chosen.size)}; the limit is ${megabytes(maxBytes)}.` });
      return;
    }
    setFile(chosen);
    setPreview(URL.createObjectURL(chosen));
  };

  const submit = async () => {
    if (!file || busy) return;
    const form = new FormData();
    form.set('image', file, file.name);
    form.set('strength', String(strength));
    form.set('scale', String(scale));
    setBusy(true);
    setFailure(undefined);
    setProgress(0);
    try {
      const enhanced = await uploadForEnhance(form, setProgress).promise;
      setResult(enhanced);
      const [width, height] = enhanced.enhanced_size.split('x').map(Number) as [number, number];
      onResult({ id: enhanced.id, url: enhanced.url, kind: 'enhance', width, height, originalSize: enhanced.original_size, createdAt: new Date().toISOString() });
    } catch (error) {
      setFailure(error as ApiFailure);
    } finally {
      setBusy(false);
      setProgress(undefined);
      void queryClient.invalidateQueries({ queryKey: trpc.status.queryKey() });
    }
  };

  const [width, height] = (result?.enhanced_size.split('x').map(Number) ?? [4, 3]) as [number, number];

  return (
    <section aria-labelledby="enhance-title" className="panel">
      <h2 id="enhance-title">Enhance a photo</h2>
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          choose(event.dataTransfer.files[0]);
        }}
      >
        <p>{file ? `${file.name} (${megabytes(file.size)})` : 'Drop a photo here'}</p>
        <label htmlFor="enhance-file" className="button">
          Choose a photo
        </label>
        <input
          id="enhance-file"
          type="file"
          accept="image/png,image/jpeg,image/webp,image/avif,image/tiff,image/gif"
          className="visually-hidden-file"
          onChange={(event) => choose(event.target.files?.[0])}
        />
        {maxBytes && <p className="muted small">PNG, JPEG, WebP, AVIF, TIFF or GIF, up to {megabytes(maxBytes)}.</p>}
      </div>
      <div className="pickers">
        <div className="field">
          <label htmlFor="strength">
            Strength <output htmlFor="strength">{strength}</output>
          </label>
          <input id="strength" type="range" min={1} max={10} value={strength} onChange={(event) => setStrength(Number(event.target.value))} />
        </div>
        <div className="field">
          <label htmlFor="scale">Scale</label>
          <select id="scale" value={scale} onChange={(event) => setScale(Number(event.target.value))}>
            <option value={2}>2×</option>
            <option value={3}>3×</option>
            <option value={4}>4×</option>
          </select>
        </div>
      </div>
      <button type="button" className="primary" disabled={!file || busy} onClick={() => void submit()} aria-busy={busy}>
        {busy ? (progress !== undefined && progress < 1 ? 'Uploading…' : 'Enhancing…') : 'Enhance'}
      </button>
      {progress !== undefined && <progress max={1} value={progress} aria-label="Upload progress" />}
      <ErrorMessage failure={failure} resetAt={status.data?.reset_at} />
      {result && preview && (
        <>
          <CompareSlider before={preview} after={result.url} width={width} height={height} />
          <div className="row">
            <span data-testid="enhance-sizes">
              {result.original_size} → {result.enhanced_size}
            </span>
            <a className="button" href={result.url} download>
              Download
            </a>
          </div>
        </>
      )}
    </section>
  );
}
