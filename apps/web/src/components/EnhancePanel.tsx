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
const megapixels = (pixels: number) => (pixels < 100_000 ? `${pixels.toLocaleString('en')} pixels` : `${(pixels / 1e6).toFixed(1)} MP`);

/** Why this photo at this scale would be refused by the server's limits (GET /api/models), before anything is uploaded. */
export function overLimits(
  photo: { width: number; height: number },
  scale: number,
  limits: { max_input_pixels: number; max_output_pixels: number },
): string | undefined {
  const input = photo.width * photo.height;
  if (input > limits.max_input_pixels) {
    return `This photo is ${photo.width}×${photo.height} (${megapixels(input)}); this server enhances photos of up to ${megapixels(limits.max_input_pixels)}. Resize it first.`;
  }
  const output = input * scale * scale;
  if (output > limits.max_output_pixels) {
    return `At ${scale}× the result would be ${photo.width * scale}×${photo.height * scale} (${megapixels(output)}); the limit is ${megapixels(limits.max_output_pixels)}. Choose a smaller scale.`;
  }
  return undefined;
}

/** Enhancements run as jobs: upload progress, then the worker's tiles, a Cancel button, and a running job picked up again after a reload. */
export function EnhancePanel({ onResult }: { onResult: (item: GalleryItem) => void }) {
  const trpc = useTRPC();
  const catalog = useQuery(trpc.models.queryOptions());
  const status = useQuery(trpc.status.queryOptions());
  const [file, setFile] = useState<File | undefined>();
  const [preview, setPreview] = useState<string | undefined>();
  const [strength, setStrength] = useState(5);
  const [scale, setScale] = useState(4);
  const [format, setFormat] = useState<'png' | 'webp' | 'jpeg'>('png');
  const [photo, setPhoto] = useState<{ width: number; height: number } | undefined>();
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
    setPhoto(undefined);
    const url = URL.createObjectURL(chosen);
    setPreview(url);
    // Its size, read by the browser, for the preview and the limit check before uploading.
    const probe = new Image();
    probe.onload = () => setPhoto({ width: probe.naturalWidth, height: probe.naturalHeight });
    probe.src = url;
  };
  const limits = catalog.data?.limits;
  const tooBig = photo && limits ? overLimits(photo, scale, limits) : undefined;

  const submit = async () => {
    if (!file || busy || tooBig) return;
    const form = new FormData();
    form.set('image', file, file.name);
    form.set('strength', String(strength));
    form.set('scale', String(scale));
    form.set('format', format);
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
        <div className="field">
          <label htmlFor="format">Format</label>
          <select id="format" value={format} onChange={(event) => setFormat(event.target.value as 'png' | 'webp' | 'jpeg')}>
            <option value="png">PNG (lossless)</option>
            <option value="webp">WebP (smaller)</option>
            <option value="jpeg">JPEG</option>
          </select>
        </div>
      </div>
      {preview && !result && (
        <figure className="enhance-preview">
          <img src={preview} alt="The chosen photo" />
          <figcaption className="small" data-testid="enhance-target">
            {photo ? `${photo.width}×${photo.height} → ${photo.width * scale}×${photo.height * scale} at ${scale}×` : 'Reading the photo…'}
          </figcaption>
        </figure>
      )}
      {tooBig && (
        <p className="error" role="alert" data-testid="enhance-too-big">
          {tooBig}
        </p>
      )}
      <button type="button" className="primary" disabled={!file || busy || tooBig !== undefined} onClick={() => void submit()} aria-busy={busy}>
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
