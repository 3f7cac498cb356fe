import { createHash } from 'node:crypto';
import { IDEMPOTENCY_TTL_SECONDS, IdempotencyInProgressError, IdempotencyMismatchError } from '@aiphoto/core';
import { deliver, type Answer, type Context } from './context.ts';

/** A stable digest of an operation and its validated input; an upload counts by its bytes. */
async function fingerprintOf(operation: string, input: unknown): Promise<string> {
  const canonical = async (value: unknown): Promise<unknown> => {
    if (value instanceof Blob) {
      return { blob: createHash('sha256').update(new Uint8Array(await value.arrayBuffer())).digest('hex'), type: value.type, size: value.size };
    }
    if (Array.isArray(value)) return Promise.all(value.map(canonical));
    if (value && typeof value === 'object') {
      const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
      return Object.fromEntries(await Promise.all(entries.map(async ([key, child]) => [key, await canonical(child)] as const)));
    }
    return value;
  };
  return createHash('sha256').update(JSON.stringify([operation, await canonical(input)])).digest('hex');
}

/**
 * Runs an operation that costs a unit under the caller's Idempotency-Key, if it sent one:
 * the first request with the key runs; the same request again within a day gets the first
 * answer (no second charge); the key with another request is 422; a duplicate while the
 * first still runs is 409. A failed attempt (its unit refunded) frees the key for a retry.
 * `replay` turns the stored answer into today's (a job's current state rather than the
 * state it had when it was accepted).
 */
export async function idempotently<Body>(
  ctx: Context,
  operation: string,
  input: unknown,
  run: () => Promise<Answer<Body>>,
  replay: (stored: Body) => Promise<Body> = async (stored) => stored,
): Promise<Body> {
  const key = ctx.idempotencyKey;
  if (key === undefined) return deliver(ctx, await run());
  const store = ctx.services.idempotency;
  const scope = ctx.caller.account.subject;
  const fingerprint = await fingerprintOf(operation, input);
  const claim = await store.claim(scope, key, fingerprint, IDEMPOTENCY_TTL_SECONDS);
  if (claim.state !== 'claimed' && claim.fingerprint !== fingerprint) {
    throw new IdempotencyMismatchError('This Idempotency-Key was used with a different request; send a new key for a new request.');
  }
  if (claim.state === 'running') throw new IdempotencyInProgressError('The first request with this Idempotency-Key is still running; retry when it has finished.');
  if (claim.state === 'done') return replay(claim.answer.body as Body);
  let answer: Answer<Body>;
  try {
    answer = await run();
  } catch (error) {
    await store.release(scope, key);
    throw error;
  }
  await store.complete(scope, key, { body: answer.body }, IDEMPOTENCY_TTL_SECONDS);
  return deliver(ctx, answer);
}
