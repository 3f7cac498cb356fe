/**
 * Test setup: every fetch made in a test process must go to this machine. A test that
 * would reach a real provider (a forgotten base URL, a key in the environment) fails loudly
 * instead of sending traffic out.
 */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const realFetch = globalThis.fetch;

globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
  const url = new URL(input instanceof Request ? input.url : input);
  if (!LOOPBACK.has(url.hostname)) {
    return Promise.reject(new Error(`test tried to reach ${url.origin}; tests may only use loopback addresses`));
  }
  return realFetch(input, init);
};
