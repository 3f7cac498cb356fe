import {
  AIPhotoError,
  InvalidImageError,
  InvalidModelError,
  InvalidPromptError,
  InvalidRatioError,
  InvalidRequestError,
  InvalidStyleError,
  NotFoundError,
  PayloadTooLargeError,
  ServerError,
  ServiceUnavailableError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  withoutStackTrace,
  type ErrorCode,
} from '@aiphoto/core';
import { TRPCError } from '@trpc/server';
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { ZodError } from 'zod';

type OpenAIErrorType = 'invalid_request_error' | 'authentication_error' | 'rate_limit_error' | 'server_error';

/**
 * The one table where error codes meet the wire: the HTTP status (REST and tRPC alike), the
 * tRPC code whose status matches it, and how OpenAI's dialect on /v1 names it (its SDKs
 * expect a moderation refusal as 400 `content_policy_violation`).
 */
export const ERROR_TABLE: Record<ErrorCode, { status: number; trpc: TRPC_ERROR_CODE_KEY; openai: { status: number; type: OpenAIErrorType; code: string } }> = {
  invalid_prompt: { status: 400, trpc: 'BAD_REQUEST', openai: { status: 400, type: 'invalid_request_error', code: 'invalid_prompt' } },
  invalid_model: { status: 400, trpc: 'BAD_REQUEST', openai: { status: 400, type: 'invalid_request_error', code: 'invalid_model' } },
  invalid_style: { status: 400, trpc: 'BAD_REQUEST', openai: { status: 400, type: 'invalid_request_error', code: 'invalid_style' } },
  invalid_ratio: { status: 400, trpc: 'BAD_REQUEST', openai: { status: 400, type: 'invalid_request_error', code: 'invalid_ratio' } },
  invalid_image: { status: 400, trpc: 'BAD_REQUEST', openai: { status: 400, type: 'invalid_request_error', code: 'invalid_image' } },
  invalid_request: { status: 400, trpc: 'BAD_REQUEST', openai: { status: 400, type: 'invalid_request_error', code: 'invalid_request' } },
  unauthorized: { status: 401, trpc: 'UNAUTHORIZED', openai: { status: 401, type: 'authentication_error', code: 'unauthorized' } },
  not_found: { status: 404, trpc: 'NOT_FOUND', openai: { status: 404, type: 'invalid_request_error', code: 'not_found' } },
  method_not_allowed: { status: 405, trpc: 'METHOD_NOT_SUPPORTED', openai: { status: 405, type: 'invalid_request_error', code: 'method_not_allowed' } },
  payload_too_large: { status: 413, trpc: 'PAYLOAD_TOO_LARGE', openai: { status: 413, type: 'invalid_request_error', code: 'payload_too_large' } },
  unsupported_media_type: {
    status: 415,
    trpc: 'UNSUPPORTED_MEDIA_TYPE',
    openai: { status: 415, type: 'invalid_request_error', code: 'unsupported_media_type' },
  },
  content_filtered: {
    status: 422,
    trpc: 'UNPROCESSABLE_CONTENT',
    openai: { status: 400, type: 'invalid_request_error', code: 'content_policy_violation' },
  },
  idempotency_mismatch: {
    status: 422,
    trpc: 'UNPROCESSABLE_CONTENT',
    openai: { status: 422, type: 'invalid_request_error', code: 'idempotency_mismatch' },
  },
  idempotency_in_progress: { status: 409, trpc: 'CONFLICT', openai: { status: 409, type: 'invalid_request_error', code: 'idempotency_in_progress' } },
  rate_limited: { status: 429, trpc: 'TOO_MANY_REQUESTS', openai: { status: 429, type: 'rate_limit_error', code: 'rate_limited' } },
  generation_failed: { status: 500, trpc: 'INTERNAL_SERVER_ERROR', openai: { status: 500, type: 'server_error', code: 'generation_failed' } },
  server_error: { status: 500, trpc: 'INTERNAL_SERVER_ERROR', openai: { status: 500, type: 'server_error', code: 'server_error' } },
  service_unavailable: {
    status: 503,
    trpc: 'SERVICE_UNAVAILABLE',
    openai: { status: 503, type: 'server_error', code: 'service_unavailable' },
  },
};

/** HTTP status by error code, from the table above. */
export const HTTP_STATUS = Object.fromEntries(Object.entries(ERROR_TABLE).map(([code, row]) => [code, row.status])) as Record<ErrorCode, number>;

/** Input fields whose errors have a code of their own; every other field is invalid_request. */
const FIELD_ERRORS: Record<string, new (message: string, options: { field: string }) => AIPhotoError> = {
  image: InvalidImageError,
  prompt: InvalidPromptError,
  model: InvalidModelError,
  style: InvalidStyleError,
  ratio: InvalidRatioError,
  // OpenAI's dialect asks for a ratio by pixel size.
  size: InvalidRatioError,
};

function fromZodError(error: ZodError): AIPhotoError {
  const [issue] = error.issues;
  const field = issue?.path[0];
  if (issue && typeof field === 'string' && FIELD_ERRORS[field]) return new FIELD_ERRORS[field](issue.message, { field });
  if (issue && issue.path.length === 0) return new InvalidRequestError('The request body must be a JSON object.');
  const where = issue?.path.join('.') ?? 'body';
  return new InvalidRequestError(`${where}: ${issue?.message ?? 'invalid value'}`, typeof field === 'string' ? { field } : undefined);
}

const UNEXPECTED = 'An unexpected error occurred; retry, and contact the operator if it persists.';

/** Fastify's own errors (body parsing, limits, content types) by their documented codes. */
function fromFastifyError(error: { code?: string; statusCode?: number }): AIPhotoError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError('Send the request body as application/json.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new InvalidRequestError('The Content-Length header does not match the body.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError('The request body is too large.');
    case 'FST_REQ_FILE_TOO_LARGE':
      return new PayloadTooLargeError('The uploaded file is larger than the upload limit.');
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new InvalidRequestError('Send one "image" file and at most the strength, scale and format fields.');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_PROTO_VIOLATION':
      return new InvalidRequestError('The multipart body is malformed.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidRequestError('The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidRequestError('The request body is not valid JSON.');
  }
  if (error.statusCode === 400) return new InvalidRequestError('The request is malformed.');
  // @fastify/static refuses paths with dot segments or outside its root as 403: to a caller
  // that is simply a path that does not exist.
  if (error.statusCode === 403 || error.statusCode === 404) return new NotFoundError('No such path; see /api/docs for the API.');
  if (error.statusCode === 413) return new PayloadTooLargeError('The request body is too large.');
  if (error.statusCode === 415) return new UnsupportedMediaTypeError('Send the request body as application/json.');
  return undefined;
}

function fromTrpcCode(error: TRPCError): AIPhotoError {
  switch (error.code) {
    case 'PARSE_ERROR':
    case 'BAD_REQUEST':
      return new InvalidRequestError('The request is malformed; check the body against the API documentation.');
    case 'NOT_FOUND':
      return new NotFoundError('No such procedure or path; see /api/docs for the API.');
    case 'METHOD_NOT_SUPPORTED':
      return new NotFoundError('This path does not accept that HTTP method; see /api/docs for the API.');
    case 'UNAUTHORIZED':
      return new UnauthorizedError('A valid API key is required.');
    case 'PAYLOAD_TOO_LARGE':
      return new PayloadTooLargeError('The request body is too large.');
    case 'UNSUPPORTED_MEDIA_TYPE':
      return new UnsupportedMediaTypeError('Send the request body as application/json.');
    case 'SERVICE_UNAVAILABLE':
      return new ServiceUnavailableError('The service is temporarily unavailable; retry shortly.');
    default:
      return new ServerError(UNEXPECTED, { cause: error });
  }
}

/** Whatever was thrown, the public error it means. */
export function toAIPhotoError(error: unknown): AIPhotoError {
  if (error instanceof AIPhotoError) return error;
  if (error instanceof ZodError) return fromZodError(error);
  if (error instanceof TRPCError) {
    if (error.cause instanceof AIPhotoError) return error.cause;
    if (error.cause instanceof ZodError) return fromZodError(error.cause);
    // trpc-to-openapi wraps a thrown value in a TRPCError whose cause is the original.
    if (error.cause && error.cause !== error) {
      const inner = toAIPhotoError(error.cause);
      if (!(inner instanceof ServerError)) return inner;
    }
    return fromTrpcCode(error);
  }
  if (error && typeof error === 'object') {
    const fastify = fromFastifyError(error as { code?: string; statusCode?: number });
    if (fastify) return fastify;
  }
  return new ServerError(UNEXPECTED, { cause: error });
}

/** The contract's error body, on /api and for everything outside the three API surfaces. */
export interface ErrorEnvelope {
  success: false;
  error: ErrorCode;
  message: string;
}

export function errorEnvelope(error: AIPhotoError): ErrorEnvelope {
  return { success: false, error: error.code, message: error.message };
}

export interface OpenAIErrorBody {
  error: { message: string; type: OpenAIErrorType; param: string | null; code: string };
}

/** OpenAI's error body for /v1, with the status OpenAI's SDKs expect for it. */
export function openaiError(error: AIPhotoError): { status: number; body: OpenAIErrorBody } {
  const { status, type, code } = ERROR_TABLE[error.code].openai;
  return { status, body: { error: { message: error.message, type, param: error.field ?? null, code } } };
}

/** For tRPC: a TRPCError whose HTTP status matches the REST one, with the domain error as cause. */
export function toTrpcError(error: unknown): TRPCError {
  const domain = toAIPhotoError(error);
  const make = () => new TRPCError({ code: ERROR_TABLE[domain.code].trpc, message: domain.message, cause: domain });
  // Like the domain error it wraps, a refusal records no stack trace (see AIPhotoError).
  return (domain.constructor as typeof AIPhotoError).recordsStack ? make() : withoutStackTrace(make);
}

/**
 * The body tRPC's own error formatter (procedures.ts) gives a failed call, for refusals the
 * edge makes before tRPC runs. One object answers a whole batch too: tRPC's batch link
 * applies a lone error to every call.
 */
export function trpcErrorBody(error: AIPhotoError): unknown {
  const trpcCode = ERROR_TABLE[error.code].trpc;
  return {
    error: {
      message: error.message,
      code: TRPC_ERROR_CODES_BY_KEY[trpcCode],
      data: { code: trpcCode, httpStatus: ERROR_TABLE[error.code].status, error: error.code },
    },
  };
}
