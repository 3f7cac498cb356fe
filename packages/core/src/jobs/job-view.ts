import type { JobRecord } from './job-store.ts';

/** A job as its caller sees it (GET /api/jobs/{id}, and the webhook's body): no lease, no owner. */
export interface JobView {
  id: string;
  kind: JobRecord['kind'];
  status: JobRecord['status'];
  progress: number;
  stage: string;
  created_at: string;
  updated_at: string;
  result?: unknown;
  error?: { error: string; message: string };
  refunded?: boolean;
  webhook?: { url: string; state: 'pending' | 'delivered' | 'failed'; attempts: { at: string; status_code?: number; error?: string }[] };
}

export function jobView(record: JobRecord): JobView {
  return {
    id: record.id,
    kind: record.kind,
    status: record.status,
    progress: record.progress,
    stage: record.stage,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    ...(record.result === undefined ? {} : { result: record.result }),
    ...(record.error ? { error: record.error } : {}),
    ...(record.refunded === undefined ? {} : { refunded: record.refunded }),
    ...(record.webhook
      ? {
          webhook: {
            url: record.webhook.url,
            state: record.webhook.state,
            attempts: record.webhook.attempts.map((attempt) => ({
              at: attempt.at,
              ...(attempt.statusCode === undefined ? {} : { status_code: attempt.statusCode }),
              ...(attempt.error === undefined ? {} : { error: attempt.error }),
            })),
          },
        }
      : {}),
  };
}
