/**
 * Domain errors. They carry the public error code and a message a person can act on,
 * and know nothing about HTTP: the API layer maps codes to statuses in one place.
 */
export const ERROR_CODES = [
  'invalid_prompt',
  'invalid_model',
  'invalid_style',
  'invalid_ratio',
  'invalid_image',
  'invalid_request',
  'unauthorized',
  'not_found',
  'method_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
  'content_filtered',
  'idempotency_mismatch',
  'idempotency_in_progress',
  'rate_limited',
  'generation_failed',
  'server_error',
  'service_unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Builds an error without capturing where it was made (expected refusals need no stack trace). */
export function withoutStackTrace<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export abstract class AIPhotoError extends Error {
  abstract readonly code: ErrorCode;
  /** Seconds after which retrying may succeed (rate limits, outages). */
  readonly retryAfterSeconds: number | undefined;
  /** The request field the error is about, when there is one (OpenAI's dialect names it). */
  readonly field: string | undefined;

  /**
   * Whether the error records where it was thrown. Only an unexpected failure needs to: a
   * refusal is the caller's answer, and capturing (then source-mapping) a stack trace was the
   * largest single cost of a 429.
   */
  static readonly recordsStack: boolean = false;

  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number; field?: string }) {
    // withoutStackTrace cannot wrap super(): the same switch, inline.
    const stackTraceLimit = Error.stackTraceLimit;
    if (!(new.target as typeof AIPhotoError).recordsStack) Error.stackTraceLimit = 0;
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.name = new.target.name;
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.field = options?.field;
  }
}

export class InvalidPromptError extends AIPhotoError {
  readonly code = 'invalid_prompt';
}
export class InvalidModelError extends AIPhotoError {
  readonly code = 'invalid_model';
}
export class InvalidStyleError extends AIPhotoError {
  readonly code = 'invalid_style';
}
export class InvalidRatioError extends AIPhotoError {
  readonly code = 'invalid_ratio';
}
export class InvalidImageError extends AIPhotoError {
  readonly code = 'invalid_image';
}
export class InvalidRequestError extends AIPhotoError {
  readonly code = 'invalid_request';
}
export class UnauthorizedError extends AIPhotoError {
  readonly code = 'unauthorized';
}
export class NotFoundError extends AIPhotoError {
  readonly code = 'not_found';
}
/** A path that exists, asked with a method it does not serve; `allow` lists those it does. */
export class MethodNotAllowedError extends AIPhotoError {
  readonly code = 'method_not_allowed';

  constructor(
    message: string,
    readonly allow: readonly string[],
  ) {
    super(message);
  }
}
export class PayloadTooLargeError extends AIPhotoError {
  readonly code = 'payload_too_large';
}
export class UnsupportedMediaTypeError extends AIPhotoError {
  readonly code = 'unsupported_media_type';
}
export class ContentFilteredError extends AIPhotoError {
  readonly code = 'content_filtered';
}
/** The Idempotency-Key was used before with a different request. */
export class IdempotencyMismatchError extends AIPhotoError {
  readonly code = 'idempotency_mismatch';
}
/** The Idempotency-Key's first request is still running. */
export class IdempotencyInProgressError extends AIPhotoError {
  readonly code = 'idempotency_in_progress';
}
export class RateLimitedError extends AIPhotoError {
  readonly code = 'rate_limited';
  /** The daily quota, or the caller's work already in progress. */
  readonly reason: 'daily_limit' | 'in_flight';

  constructor(message: string, options: { retryAfterSeconds: number; reason?: 'daily_limit' | 'in_flight' }) {
    super(message, options);
    this.reason = options.reason ?? 'daily_limit';
  }
}
export class GenerationFailedError extends AIPhotoError {
  readonly code = 'generation_failed';
}
export class ServerError extends AIPhotoError {
  static override readonly recordsStack = true;
  readonly code = 'server_error';
}
export class ServiceUnavailableError extends AIPhotoError {
  readonly code = 'service_unavailable';
}

/**
 * The reason a request's signal carries when its caller hung up. Never shown to anyone: it
 * tells the services that the work was abandoned by the caller (who pays for work already
 * started) rather than cancelled by the server (which refunds).
 */
export class CallerGoneError extends Error {
  constructor(requestId: string) {
    super(`caller closed request ${requestId}`);
    this.name = 'CallerGoneError';
  }
}

/** Whether `signal` was aborted because its caller went away. */
export const callerWentAway = (signal: AbortSignal | undefined) => signal?.aborted === true && signal.reason instanceof CallerGoneError;
