import type { FastifyReply } from 'fastify';

/**
 * RFC 7240's `Prefer: respond-async`: the caller would rather get a job to watch than wait.
 * Preferences are comma-separated tokens, each optionally `=value` and `;`-parameters.
 */
export function prefersAsync(header: string | string[] | undefined): boolean {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values.some((value) => value.split(',').some((preference) => preference.split(/[=;]/, 1)[0]!.trim().toLowerCase() === 'respond-async'));
}

/** A job was accepted: 202, where to watch it, and that the preference was honoured. */
export function accepted<Job extends { id: string }>(reply: FastifyReply, job: Job): Job {
  reply.code(202).header('Location', `/api/jobs/${job.id}`).header('Preference-Applied', 'respond-async');
  return job;
}
