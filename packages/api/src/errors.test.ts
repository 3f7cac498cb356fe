import { ERROR_CODES, GenerationFailedError, InvalidPromptError, RateLimitedError, ServerError } from '@aiphoto/core';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_TABLE, HTTP_STATUS, errorEnvelope, toAIPhotoError, toTrpcError } from './errors.ts';

describe('error mapping', () => {
  it('gives every code the same HTTP status over REST and tRPC', () => {
    for (const code of ERROR_CODES) {
      const error = new TRPCError({ code: ERROR_TABLE[code].trpc });
      expect(getHTTPStatusCodeFromError(error), code).toBe(HTTP_STATUS[code]);
    }
  });

  it('maps a failing input field to its own code and message', () => {
    const schema = z.object({ prompt: z.string({ error: 'prompt is required.' }), count: z.number() });
    const promptError = schema.safeParse({ count: 1 }).error!;
    expect(toAIPhotoError(promptError)).toMatchObject({ code: 'invalid_prompt', message: 'prompt is required.' });
    const other = schema.safeParse({ prompt: 'x', count: 'two' }).error!;
    expect(toAIPhotoError(other)).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('count') });
  });

  it("recognises Fastify's body errors by their codes", () => {
    const fastify = (code: string, statusCode: number) => Object.assign(new Error('x'), { code, statusCode });
    expect(toAIPhotoError(fastify('FST_ERR_CTP_INVALID_JSON_BODY', 400)).code).toBe('invalid_request');
    expect(toAIPhotoError(fastify('FST_ERR_CTP_BODY_TOO_LARGE', 413)).code).toBe('payload_too_large');
    expect(toAIPhotoError(fastify('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415)).code).toBe('unsupported_media_type');
  });

  it('unwraps domain errors from tRPC errors and hides anything unexpected', () => {
    const domain = new InvalidPromptError('prompt must not be empty.');
    expect(toAIPhotoError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: domain }))).toBe(domain);
    const surprise = toAIPhotoError(new TypeError('cannot read properties of undefined (reading "x") at /srv/app.ts:12'));
    expect(surprise.code).toBe('server_error');
    expect(surprise.message).not.toContain('app.ts');
  });

  it('keeps the retry hint and the message in the envelope', () => {
    const limited = new RateLimitedError('Daily limit of 5 reached.', { retryAfterSeconds: 30 });
    expect(toTrpcError(limited)).toMatchObject({ code: 'TOO_MANY_REQUESTS', cause: limited });
    expect(errorEnvelope(new GenerationFailedError('Model "x" failed.'))).toEqual({
      success: false,
      error: 'generation_failed',
      message: 'Model "x" failed.',
    });
  });
});

describe('stack traces', () => {
  const frames = (error: Error) => (error.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at ')).length;

  it('are not recorded for refusals (their cost was most of a 429), in the domain error or the tRPC error around it', () => {
    const refusal = new RateLimitedError('Daily limit reached.', { retryAfterSeconds: 60 });
    expect(frames(refusal)).toBe(0);
    expect(frames(toTrpcError(refusal))).toBe(0);
    expect(frames(new InvalidPromptError('prompt is required.'))).toBe(0);
    expect(refusal.message).toBe('Daily limit reached.');
  });

  it('are recorded for unexpected failures, and the limit is restored for everything else', () => {
    expect(frames(new ServerError('boom'))).toBeGreaterThan(0);
    expect(frames(toTrpcError(new ServerError('boom')))).toBeGreaterThan(0);
    new RateLimitedError('x', { retryAfterSeconds: 1 });
    expect(frames(new Error('plain'))).toBeGreaterThan(0);
  });
});
