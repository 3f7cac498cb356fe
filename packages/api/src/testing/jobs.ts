import type { TestServer } from './harness.ts';

type Json = Record<string, any>;

/** A multipart upload of `bytes` as "image", with the other fields as text. */
export function uploadForm(bytes: Uint8Array, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  form.set('image', new Blob([bytes], { type: 'application/octet-stream' }), 'photo');
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return form;
}

/** Submits an enhancement as a job. */
export function enhanceJob(t: Pick<TestServer, 'fetch'>, bytes: Uint8Array, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
  return t.fetch('/api/enhance', { method: 'POST', body: uploadForm(bytes, fields), headers: { prefer: 'respond-async', ...headers } });
}

/** Reads a job until `done` says so (every snapshot seen is kept, in order). */
export async function watchJob(
  fetchPath: (pathname: string, init?: RequestInit) => Promise<Response>,
  id: string,
  options: { headers?: Record<string, string>; until?: (job: Json) => boolean; timeoutMs?: number } = {},
): Promise<{ job: Json; seen: Json[] }> {
  const until = options.until ?? ((job: Json) => !['queued', 'running'].includes(job.status));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const seen: Json[] = [];
  for (;;) {
    const response = await fetchPath(`/api/jobs/${id}`, { headers: options.headers ?? {} });
    if (response.status !== 200) throw new Error(`GET /api/jobs/${id} answered ${response.status}: ${await response.text()}`);
    const job = (await response.json()) as Json;
    seen.push(job);
    if (until(job)) return { job, seen };
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} (${job.stage}) after ${options.timeoutMs ?? 60_000} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
