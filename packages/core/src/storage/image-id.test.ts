import { describe, expect, it } from 'vitest';
import { newImageId } from './image-storage.ts';

describe('image ids', () => {
  const ids = Array.from({ length: 4_000 }, () => newImageId());
  const bits = ids.map((id) => Buffer.from(id, 'base64url'));

  it('carry 144 random bits as 24 URL-safe characters, all distinct', () => {
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{24}$/);
    for (const bytes of bits) expect(bytes).toHaveLength(18);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('have every one of the 144 bits set about half the time (no timestamp, counter or constant part)', () => {
    for (let bit = 0; bit < 144; bit++) {
      const ones = bits.filter((bytes) => (bytes[bit >> 3]! >> (7 - (bit & 7))) & 1).length;
      // 4,000 fair coin flips: 2,000 ± 8 standard deviations.
      expect(ones, `bit ${bit}`).toBeGreaterThan(1_750);
      expect(ones, `bit ${bit}`).toBeLessThan(2_250);
    }
  });

  it('are not sequential: consecutive ids share no more leading characters than chance', () => {
    let sharedPrefixes = 0;
    for (let i = 1; i < ids.length; i++) if (ids[i]!.slice(0, 2) === ids[i - 1]!.slice(0, 2)) sharedPrefixes++;
    // Two random base64url characters match with probability 1/4096.
    expect(sharedPrefixes).toBeLessThan(10);
  });
});
