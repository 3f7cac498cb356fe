import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1:0 standing in for a provider's hosts (which cannot be
 * reached from here). Tests give it routes that answer in the provider's documented wire
 * format; it records every request so tests can assert method, path, headers and body.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
  /** True when the client went away before an answer was sent. */
  aborted: boolean;
}

export interface FakeReply {
  status?: number;
  json?: unknown;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Never answer (until the client gives up or the server closes). */
  hang?: boolean;
}

export type FakeHandler = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

export class FakeProviderServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, FakeHandler>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeProviderServer> {
    let fake: FakeProviderServer | undefined;
    const server = http.createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeProviderServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fake;
  }

  /** `key` is "METHOD /path" (query ignored). A list of replies is served in order, the last one repeating. */
  route(key: string, handler: FakeHandler | FakeReply | FakeReply[]): this {
    if (typeof handler === 'function') this.routes.set(key, handler);
    else if (Array.isArray(handler)) {
      let index = 0;
      this.routes.set(key, () => handler[Math.min(index++, handler.length - 1)]!);
    } else this.routes.set(key, () => handler);
    return this;
  }

  /** Requests to one route, in order. */
  calls(key: string): RecordedRequest[] {
    const [method, path] = key.split(' ');
    return this.requests.filter((request) => request.method === method && request.path.split('?')[0] === path);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const text = bytes.toString('utf8');
    let body: unknown = text;
    if (req.headers['content-type']?.startsWith('multipart/form-data')) {
      // Multipart fields are recorded by name (files as File), so tests can assert them.
      const form = await new Response(bytes, { headers: { 'content-type': req.headers['content-type'] } }).formData();
      body = Object.fromEntries(form.entries());
    } else {
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
    }
    const recorded: RecordedRequest = { method: req.method!, path: req.url!, headers: req.headers, body, aborted: false };
    this.requests.push(recorded);
    res.on('close', () => {
      if (!res.writableFinished) recorded.aborted = true;
    });
    const handler = this.routes.get(`${req.method} ${req.url!.split('?')[0]}`);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such route in the fake"}');
      return;
    }
    const reply = await handler(recorded);
    if (reply.hang) return;
    const payload = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.body ?? '');
    res.writeHead(reply.status ?? 200, {
      'content-type': reply.json !== undefined ? 'application/json' : 'application/octet-stream',
      ...reply.headers,
    });
    res.end(payload);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Loads a recorded, trimmed provider response from a `__fixtures__` folder, filling in the
 * parts that cannot be recorded verbatim: `{{BASE}}` (the fake's address), `{{IMAGE_URL}}`,
 * `{{PNG_BASE64}}`.
 */
export function fixture(testFileUrl: string, name: string, values: Record<string, string> = {}): any {
  let text = fs.readFileSync(new URL(`./__fixtures__/${name}`, testFileUrl), 'utf8');
  for (const [key, value] of Object.entries(values)) text = text.replaceAll(`{{${key}}}`, value);
  return JSON.parse(text);
}
