import { describe, expect, it } from 'vitest';
import { clampPrompt, countCharacters } from './prompt.ts';

describe('prompt counting', () => {
  it('counts code points after trimming, like the server', () => {
    expect(countCharacters('  🌄 lake  ')).toBe(6);
    expect(countCharacters('👩‍🚀')).toBe(3);
  });

  it('cuts to the limit without splitting an emoji, keeping leading spaces out of the count', () => {
    expect(clampPrompt(`${'a'.repeat(399)}🌄🌄`, 400)).toBe(`${'a'.repeat(399)}🌄`);
    expect(clampPrompt('  abcdef', 3)).toBe('  abc');
    expect(clampPrompt('short', 400)).toBe('short');
  });
});
