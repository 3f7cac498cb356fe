import { describe, expect, it } from 'vitest';
import { prefersAsync } from './async.ts';

describe('Prefer: respond-async (RFC 7240)', () => {
  it('finds the preference whatever its case, place, value or parameters', () => {
    for (const header of ['respond-async', 'Respond-Async', 'wait=10, respond-async', 'respond-async; foo=bar', ' respond-async ,handling=lenient', ['return=minimal', 'respond-async']]) {
      expect(prefersAsync(header), String(header)).toBe(true);
    }
  });

  it('is not fooled by other preferences or near names', () => {
    for (const header of [undefined, '', 'return=representation', 'respond-asynchronously', 'handling=respond-async', 'wait=respond-async', []]) {
      expect(prefersAsync(header), String(header)).toBe(false);
    }
  });
});
