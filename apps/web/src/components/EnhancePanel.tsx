import type { EnhanceResponse } from '@aiphoto/api';
import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { submitEnhanceJob } from '../lib/enhance-upload.ts';
import type { ApiFailure } from '../lib/errors.ts';
import type { GalleryItem } from '../lib/gallery.ts';
import type { Job } from '../lib/jobs.ts';
import { useTRPC } from '../lib/trpc.ts';
import { useWatchedJob } from '../lib/use-job.ts';
import { CompareSlider } from './CompareSlider.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';
import { JobProgress } from './JobProgress.tsx';

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Enhancements run as jobs: upload progress, then the worker's tiles, a Cancel button, and a running job picked up again after a reload. */
export function EnhancePanel({ onResult }: { onResult: (item: GalleryItem) => void }) {
  const trpc = useTRPC();
  const catalog = useQuery(trpc.models.queryOptions());
  const status = useQuery(trpc.status.queryOptions());
  const [file, setFile] = useState<File | undefined>();
  const [preview, setPreview] = useState<string | undefined>();
  const [strength, setStrength] = useState(5);
  const [scale, setScale] = useState(4);
  const [upload, setUpload] = useState<number | undefined>();
  const [failure, setFailure] = useState<ApiFailure | undefined>();
  const [result, setResult] = useState<EnhanceResponse | undefined>();
  const [dragging, setDragging] = useState(false);
  const abortUpload = useRef<(() => void) | undefined>(undefined);
  const maxBytes = catalog.data?.limits.max_upload_bytes;

  useEffect(() => () => (preview ? URL.revokeObjectURL(preview) : undefined), [preview]);

  const finished = useCallback(
    (job: Job) => {
      const enhanced = job.result as EnhanceResponse;
      setResult(enhanced);
      const [width, height] = enhanced.enhanced_size.split('x').map(Number) as [number, number];
      onResult({ id: enhanced.id, url: enhanced.url, kind: 'enhance', width, height, originalSize: enhanced.original_size, createdAt: job.updated_at });
    },
    [onResult],
  );
  const job = useWatchedJob('enhance', finished);
  const busy = upload !== undefined || job.watched !== undefined;

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
    setFailure(undefined);
    setUpload(0);
    const submission = submitEnhanceJob(form, setUpload);
    abortUpload.current = submission.abort;
    try {
      job.start(await submission.promise);
    } catch (error) {
      setFailure(error as ApiFailure);
    } finally {
      abortUpload.current = undefined;
      setUpload(undefined);
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
        {upload !== undefined ? 'Uploading…' : busy ? 'Enhancing…' : 'Enhance'}
      </button>
      {upload !== undefined && (
        <div className="row">
          <progress max={1} value={upload} aria-label="Upload progress" />
          <button type="button" onClick={() => abortUpload.current?.()}>
            Cancel
          </button>
        </div>
      )}
      {job.running && job.watched && <JobProgress job={job.running} startedAt={job.watched.startedAt} onCancel={job.cancel} canceling={job.canceling} />}
      <ErrorMessage failure={failure ?? job.failure} resetAt={status.data?.reset_at} />
      {result && (
        <>
          {preview ? (
            <CompareSlider before={preview} after={result.url} width={width} height={height} />
          ) : (
            <img className="enhanced" src={result.url} alt="Enhanced" width={width} height={height} />
          )}
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
