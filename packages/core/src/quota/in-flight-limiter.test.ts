import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../errors.ts';
import { InFlightLimiter } from './in-flight-limiter.ts';

describe('InFlightLimiter', () => {
  it('admits up to the limit per subject, refuses the next with 429 and a short Retry-After', () => {
    const limiter = new InFlightLimiter(2, 'generations');
    const first = limiter.acquire('ip:1');
    limiter.acquire('ip:1');
    expect(() => limiter.acquire('ip:1')).toThrow(RateLimitedError);
    try {
      limiter.acquire('ip:1');
    } catch (error) {
      expect((error as RateLimitedError).retryAfterSeconds).toBe(5);
      expect((error as Error).message).toContain('2 generations in progress');
    }
    expect(() => limiter.acquire('ip:2')).not.toThrow();
    first();
    expect(() => limiter.acquire('ip:1')).not.toThrow();
  });

  it('gives a place back only once and forgets idle subjects', () => {
    const limiter = new InFlightLimiter(1, 'enhancements');
    const release = limiter.acquire('key:a');
    release();
    release();
    expect(limiter.inFlight('key:a')).toBe(0);
    const again = limiter.acquire('key:a');
    expect(() => limiter.acquire('key:a')).toThrow(RateLimitedError);
    again();
    expect(limiter.inFlight('key:a')).toBe(0);
  });
});

describe('InFlightLimiter accounting', () => {
  it('frees exactly one place per release, however often a release is called', () => {
    const limiter = new InFlightLimiter(2, 'generations');
    const first = limiter.acquire('ip:1');
    limiter.acquire('ip:1');
    expect(limiter.inFlight('ip:1')).toBe(2);
    first();
    first();
    expect(limiter.inFlight('ip:1')).toBe(1);
    limiter.acquire('ip:1');
    expect(() => limiter.acquire('ip:1')).toThrow(RateLimitedError);
  });

  it('counts each subject on its own and forgets one at zero', () => {
    const limiter = new InFlightLimiter(3, 'generations');
    const releases = [limiter.acquire('a'), limiter.acquire('a'), limiter.acquire('b')];
    expect([limiter.inFlight('a'), limiter.inFlight('b')]).toEqual([2, 1]);
    releases[0]!();
    expect(limiter.inFlight('a')).toBe(1);
    releases[1]!();
    releases[2]!();
    expect((limiter as unknown as { counts: Map<string, number> }).counts.size).toBe(0);
  });
});
