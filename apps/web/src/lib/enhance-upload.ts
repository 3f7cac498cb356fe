// Type-only: the page never bundles server code.
import type { EnhanceResponse } from '@aiphoto/api';
import type { ApiFailure } from './errors.ts';
import { requestHeaders } from './trpc.ts';

export type EnhanceResult = EnhanceResponse;

/**
 * Enhance goes to POST /api/enhance — the same procedure as tRPC's `enhance` — through
 * XMLHttpRequest, because fetch cannot report upload progress.
 */
export function uploadForEnhance(
  form: FormData,
  onProgress: (fraction: number) => void,
): { promise: Promise<EnhanceResult>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<EnhanceResult>((resolve, reject) => {
    xhr.open('POST', '/api/enhance');
    for (const [name, value] of Object.entries(requestHeaders())) xhr.setRequestHeader(name, value);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      const body = xhr.response as (EnhanceResult & { error?: string; message?: string }) | null;
      if (xhr.status === 200 && body?.success) resolve(body);
      else reject({ code: body?.error ?? 'server_error', message: body?.message ?? `HTTP ${xhr.status}` } satisfies ApiFailure);
    };
    xhr.onerror = () => reject({ code: 'network', message: 'network error' } satisfies ApiFailure);
    xhr.onabort = () => reject({ code: 'network', message: 'cancelled' } satisfies ApiFailure);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
