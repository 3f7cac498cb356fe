import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { loadConfig, type Caller, type CoreServices } from '@aiphoto/core';
import type { Context } from '../context.ts';
import { buildServer, type AIPhotoServer } from '../server.ts';
import { runCli } from '../cli.ts';

export interface TestServer extends AsyncDisposable {
  server: AIPhotoServer;
  baseUrl: string;
  dataDir: string;
  env: Record<string, string>;
  logs: () => string;
  fetch: (pathname: string, init?: RequestInit) => Promise<Response>;
  /** POST /api/generate with a JSON body. */
  generate: (body: unknown, headers?: Record<string, string>) => Promise<Response>;
  cli: (...argv: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
  close: () => Promise<void>;
}

export function makeDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-test-'));
}

/** What a procedure sees for this caller now, without HTTP: its images on img.example.com. */
export async function procedureContext(services: CoreServices, caller: Caller): Promise<Context> {
  return {
    services,
    caller,
    quota: await services.quota.snapshot(caller.account),
    signal: new AbortController().signal,
    imageUrl: (fileName) => `https://img.example.com/images/${fileName}`,
    outcome: {},
  };
}

/**
 * A real server on 127.0.0.1, port 0, with a real SQLite file in a fresh (or given) data
 * directory, and its JSON logs captured for assertions.
 */
export async function startTestServer(
  options: { env?: Record<string, string>; dataDir?: string; clock?: () => Date } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? makeDataDir();
  const env = { PORT: '0', HOST: '127.0.0.1', AIPHOTO_DATA_DIR: dataDir, AIPHOTO_LOG_LEVEL: 'info', ...options.env };
  const chunks: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const server = await buildServer(loadConfig(env), { logStream, ...(options.clock ? { clock: options.clock } : {}) });
  await server.listen();
  // Where the test reaches the server, whatever AIPHOTO_PUBLIC_URL says.
  const baseUrl = `http://localhost:${(server.app.server.address() as AddressInfo).port}`;
  const fetchPath = (pathname: string, init?: RequestInit) => fetch(`${baseUrl}${pathname}`, init);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    const closing = server.close();
    // Tests often leave a response body unread; do not wait for those clients to hang up.
    server.app.server.closeAllConnections();
    await closing;
  };
  return {
    server,
    baseUrl,
    dataDir,
    env,
    logs: () => chunks.join(''),
    fetch: fetchPath,
    generate: (body, headers = {}) =>
      fetchPath('/api/generate', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    cli: async (...argv) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(argv, env, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
      return { code, stdout, stderr };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A header that must be present; a missing one fails the test instead of reading as 0. */
export function requiredHeader(response: Response, name: string): string {
  const value = response.headers.get(name);
  if (value === null) throw new Error(`response ${response.status} has no ${name} header`);
  return value;
}

const wholeNumberHeader = (response: Response, name: string): number => {
  const value = requiredHeader(response, name);
  if (!/^\d+$/.test(value)) throw new Error(`${name} is "${value}", not a whole number`);
  return Number(value);
};

/** The five rate-limit headers, parsed, for assertions; every one must be present. */
export function rateLimitOf(response: Response) {
  return {
    limit: wholeNumberHeader(response, 'x-ratelimit-limit'),
    remaining: wholeNumberHeader(response, 'x-ratelimit-remaining'),
    reset: wholeNumberHeader(response, 'x-ratelimit-reset'),
    policy: requiredHeader(response, 'ratelimit-policy'),
    ratelimit: requiredHeader(response, 'ratelimit'),
  };
}

export const SEED_EXAMPLE = {
  prompt: 'A serene mountain lake at golden hour, photorealistic',
  model: 'flux-pro',
  style: 'Photorealistic',
  ratio: '16:9',
};
