import net from 'node:net';

/**
 * Test setup: every connection made in a test process must go to this machine. A test that
 * would reach a real provider (a forgotten base URL, a key in the environment) fails loudly
 * instead of sending traffic out. Checked twice: at `fetch` (webhooks, S3, the tests' own
 * calls) for a clear message, and where every TCP client ends up, at the socket's connect
 * (the providers' own HTTP client, Redis, anything else), before any name is resolved.
 */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const refusal = (where: string) => new Error(`test tried to reach ${where}; tests may only use loopback addresses`);

const realFetch = globalThis.fetch;
globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
  const url = new URL(input instanceof Request ? input.url : input);
  if (!LOOPBACK.has(url.hostname)) return Promise.reject(refusal(url.origin));
  return realFetch(input, init);
};

/** The host a `connect` call names: (options), (port, host) or Node's own normalized [options, callback]. */
function hostOf(args: unknown[]): string | undefined {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first !== null && typeof first === 'object') {
    const options = first as { host?: string | null; path?: string | null };
    // net connects to a Unix socket when `path` is set (HTTP clients pass it as null).
    return options.path ? undefined : (options.host ?? 'localhost');
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) return typeof args[1] === 'string' ? args[1] : 'localhost';
  // A Unix socket path: on this machine by definition.
  return undefined;
}

const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connectToLoopbackOnly(this: net.Socket, ...args: unknown[]) {
  const host = hostOf(args);
  if (host !== undefined && !LOOPBACK.has(host)) {
    // Failed the way a refused connection fails, through the socket's own error path.
    process.nextTick(() => this.destroy(refusal(host)));
    return this;
  }
  return (realConnect as (...rest: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
