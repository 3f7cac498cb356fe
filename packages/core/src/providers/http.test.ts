import { describe, expect, it } from 'vitest';
import { STYLES } from '../catalog.ts';
import { backoff, mayCarryCredentials } from './http.ts';
import { STYLE_SUFFIXES, styledPrompt } from './styles.ts';

describe('mayCarryCredentials', () => {
  it.each([
    ['https://api.bfl.ai/v1/get_result?id=1', 'https://api.bfl.ai/v1', true],
    ['https://api.us1.bfl.ai/v1/get_result?id=1', 'https://api.bfl.ai/v1', true],
    ['https://queue.fal.run/fal-ai/flux-pro/requests/1/status', 'https://queue.fal.run', true],
    ['http://127.0.0.1:4000/api/x', 'http://127.0.0.1:4000/api', true],
    ['https://bfldeliveryprod.blob.core.windows.net/results/x.png', 'https://api.bfl.ai/v1', false],
    ['https://fal.media/files/x.png', 'https://queue.fal.run', false],
    ['https://replicate.delivery/x.png', 'https://api.replicate.com/v1', false],
    ['http://api.bfl.ai/v1/get_result', 'https://api.bfl.ai/v1', false],
    ['http://127.0.0.1:4001/api/x', 'http://127.0.0.1:4000/api', false],
    ['https://evil-bfl.ai/x', 'https://api.bfl.ai/v1', false],
    ['https://localhost/x', 'https://api.localhost/v1', false],
    ['https://10.0.0.2/x', 'https://10.0.0.1/v1', false],
    ['https://api.example.com/x', 'https://example.com/v1', true],
    ['https://example.com/x', 'https://api.example.com/v1', true],
    ['https://api.example.org/x', 'https://api.example.com/v1', false],
  ])('%s with base %s → %s', (url, base, expected) => {
    expect(mayCarryCredentials(url, base)).toBe(expected);
  });
});

describe('style prompts', () => {
  it("append the style to the caller's prompt, which stays first and whole", () => {
    for (const style of STYLES) {
      const prompt = 'Ünïcode prompt, with commas: and "quotes" 🌄';
      expect(styledPrompt(prompt, style)).toBe(`${prompt}, ${STYLE_SUFFIXES[style]}`);
    }
  });
});

describe('backoff', () => {
  it('grows by half each time and caps at five seconds', () => {
    const waits = backoff(500);
    expect(Array.from({ length: 9 }, () => waits.next().value)).toEqual([500, 750, 1125, 1688, 2532, 3798, 5000, 5000, 5000]);
  });
});
