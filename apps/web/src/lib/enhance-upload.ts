import type { ApiFailure } from './errors.ts';
import type { Job } from './jobs.ts';
import { requestHeaders } from './trpc.ts';

/**
 * Enhance is submitted as a job to POST /api/enhance (`Prefer: respond-async`) — the same
 * procedure as tRPC's `enhanceJob` — through XMLHttpRequest, because fetch cannot report
 * upload progress. The answer is the job; its progress is read from then on.
 */
export function submitEnhanceJob(form: FormData, onUploadProgress: (fraction: number) => void): { promise: Promise<Job>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<Job>((resolve, reject) => {
    xhr.open('POST', '/api/enhance');
    for (const [name, value] of Object.entries(requestHeaders())) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('prefer', 'respond-async');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onUploadProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      const body = xhr.response as (Job & { error?: string; message?: string }) | null;
      if (xhr.status === 202 && body?.id) resolve(body);
      else reject({ code: body?.error ?? 'server_error', message: body?.message ?? `HTTP ${xhr.status}` } satisfies ApiFailure);
    };
    xhr.onerror = () => reject({ code: 'network', message: 'network error' } satisfies ApiFailure);
    xhr.onabort = () => reject({ code: 'canceled', message: 'Upload canceled; nothing was charged.' } satisfies ApiFailure);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
