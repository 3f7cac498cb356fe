import { describe, expect, it } from 'vitest';

describe('test network guard', () => {
  it('refuses any address that is not loopback', async () => {
    await expect(fetch('https://api.openai.com/v1/images/generations')).rejects.toThrow(/only use loopback/);
    await expect(fetch('http://10.0.0.1/')).rejects.toThrow(/only use loopback/);
  });
});
