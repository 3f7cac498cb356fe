import { describe, expect, it } from 'vitest';
import { describeFailure, failureFrom } from './errors.ts';

const CODES = [
  'invalid_prompt', 'invalid_model', 'invalid_style', 'invalid_ratio', 'invalid_image', 'invalid_request', 'unauthorized',
  'not_found', 'payload_too_large', 'unsupported_media_type', 'content_filtered', 'rate_limited', 'generation_failed',
  'server_error', 'service_unavailable', 'network',
];

describe('error sentences', () => {
  it('gives every code its own plain sentence', () => {
    const sentences = CODES.map((code) => describeFailure({ code, message: 'The server explains why.' }));
    expect(new Set(sentences).size).toBe(CODES.length);
    for (const sentence of sentences) expect(sentence).toMatch(/^[A-Z].*\.$/);
  });

  it("says when the quota resets, in the reader's local time", () => {
    const resetAt = '2026-05-10T00:00:00Z';
    const local = new Date(resetAt).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
    expect(describeFailure({ code: 'rate_limited', message: '' }, { resetAt, locale: 'en-GB' })).toContain(`resets at ${local} your time`);
  });

  it('reads the code a tRPC error carries', () => {
    const error = Object.assign(new Error('Daily limit reached'), { data: { error: 'rate_limited' } });
    expect(failureFrom(error)).toEqual({ code: 'rate_limited', message: 'Daily limit reached' });
    expect(failureFrom(new TypeError('Failed to fetch')).code).toBe('network');
  });
});

describe('errors that keep what the server said', () => {
  it('names the content-filter category and the sizes of a file that is too large', () => {
    const filtered = describeFailure({ code: 'content_filtered', message: 'The prompt was rejected by the content filter (graphic violence); rephrase it and try again.' });
    expect(filtered).toBe('That prompt was blocked by the content filter (graphic violence). Try describing something else.');
    const tooLarge = describeFailure({ code: 'payload_too_large', message: 'The file is 14.2 MB; the limit is 10.0 MB.' });
    expect(tooLarge).toBe('That file is too large to upload. The file is 14.2 MB; the limit is 10.0 MB.');
    expect(describeFailure({ code: 'rate_limited', message: '' })).toContain('an API key lifts the free limit');
  });
});
