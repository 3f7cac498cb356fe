import type { Caller, CoreServices, QuotaSnapshot } from '@aiphoto/core';

/** Who is calling and their quota as the request arrived: resolved once, before the body is read. */
export interface Identity {
  caller: Caller;
  quota: QuotaSnapshot;
}

/** What a request's work produced besides its body: the quota the caller is left with. */
export interface Outcome {
  quota?: QuotaSnapshot;
}

/**
 * What every procedure sees, on every surface. It holds no request or response, so tests
 * can call procedures directly.
 */
export interface Context {
  services: CoreServices;
  caller: Caller;
  /** The caller's quota as the request arrived (read once, at the edge). */
  quota: QuotaSnapshot;
  /**
   * Aborted when the caller hangs up or a shutdown runs out of time. Made on first read, so
   * work that may still be refused takes `() => ctx.signal`.
   */
  signal: AbortSignal;
  /** The absolute URL of a stored image, on AIPHOTO_PUBLIC_URL or the address the caller used. */
  imageUrl: (fileName: string) => string;
  /** Filled by `deliver`; the responder builds the rate-limit headers from it. */
  outcome: Outcome;
  /** The caller's Idempotency-Key header, when it sent one (checked at the edge). */
  idempotencyKey?: string;
}

/** A procedure's answer: the body for the caller and the quota state it left behind. */
export interface Answer<Body> {
  body: Body;
  quota: QuotaSnapshot;
}

/** How every metered procedure ends: the body goes to the caller, the quota to the responder. */
export function deliver<Body>(ctx: Context, answer: Answer<Body>): Body {
  ctx.outcome.quota = answer.quota;
  return answer.body;
}
