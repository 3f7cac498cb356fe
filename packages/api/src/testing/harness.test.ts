import { describe, expect, it } from 'vitest';
import { rateLimitOf } from './harness.ts';

describe('rateLimitOf', () => {
  it('fails when a rate-limit header is missing instead of reading it as 0', () => {
    expect(() => rateLimitOf(new Response(null, { headers: { 'x-ratelimit-limit': '5' } }))).toThrow(/x-ratelimit-remaining/);
  });

  it('reads all five headers when present', () => {
    const response = new Response(null, {
      headers: {
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '1700000000',
        'ratelimit-policy': '"daily";q=5;w=86400',
        ratelimit: '"daily";r=0;t=10',
      },
    });
    expect(rateLimitOf(response)).toEqual({
      limit: 5,
      remaining: 0,
      reset: 1700000000,
      policy: '"daily";q=5;w=86400',
      ratelimit: '"daily";r=0;t=10',
    });
  });
});
