import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { providerFetch } from './provider-fetch.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  connection: net.Socket;
}

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A loopback server that records every request and answers with `answer`. */
async function serve(answer: (seen: Seen, response: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(chunks), connection: request.socket };
      seen.push(entry);
      answer(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** A loopback server that writes `bytes` to whoever connects, whatever they send. */
async function rawServer(bytes: string) {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end(bytes));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => server.close() });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** What a call that must fail rejected with. */
const failureOf = (call: Promise<Response>) =>
  call.then(
    (): TypeError => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as TypeError,
  );

describe('providerFetch', () => {
  it('posts a JSON body with its length, and hands back status, every header and the body', async () => {
    const { origin, seen } = await serve((_seen, response) => {
      response.writeHead(201, 'Made', [
        ['content-type', 'application/json'],
        ['x-note', 'one'],
        ['x-note', 'two'],
      ]);
      response.end('{"ok":true}');
    });
    const response = await providerFetch(`${origin}/v1/images`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: '{"prompt":"a"}' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/images', headers: { 'content-type': 'application/json', 'content-length': '14', authorization: 'Bearer k' } });
    expect(seen[0]!.body.toString()).toBe('{"prompt":"a"}');
    expect([response.status, response.statusText, response.ok, response.url]).toEqual([201, 'Made', true, `${origin}/v1/images`]);
    expect(response.headers.get('x-note')).toBe('one, two');
    expect([...response.headers.keys()].sort()).toEqual(['connection', 'content-type', 'date', 'keep-alive', 'transfer-encoding', 'x-note']);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('keeps the connection for the next request once a body has been read', async () => {
    const { origin, seen } = await serve((_seen, response) => response.end('x'));
    for (let call = 0; call < 3; call++) await (await providerFetch(`${origin}/`)).text();
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((entry) => entry.connection)).size).toBe(1);
  });

  it('sends FormData as multipart with its boundary, fields and files', async () => {
    const { origin, seen } = await serve((_seen, response) => response.end());
    const form = new FormData();
    form.append('prompt', 'a lighthouse');
    form.append('image', new Blob([Buffer.from('PNGDATA')], { type: 'image/png' }), 'in.png');
    await providerFetch(`${origin}/upload`, { method: 'POST', body: form });
    const contentType = seen[0]!.headers['content-type']!;
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    const parsed = await new Response(seen[0]!.body, { headers: { 'content-type': contentType } }).formData();
    expect(parsed.get('prompt')).toBe('a lighthouse');
    const file = parsed.get('image') as File;
    expect([file.name, file.type, Buffer.from(await file.arrayBuffer()).toString()]).toEqual(['in.png', 'image/png', 'PNGDATA']);
    expect(seen[0]!.headers['content-length']).toBe(String(seen[0]!.body.length));
  });

  it('follows redirects when asked, as fetch does: 303 turns a POST into a GET, and credentials stay with their origin', async () => {
    const elsewhere = await serve((_seen, response) => response.end('image bytes'));
    const { origin, seen } = await serve((request, response) => {
      if (request.url === '/submit') return response.writeHead(303, { location: '/result' }).end();
      if (request.url === '/result') return response.writeHead(302, { location: `${elsewhere.origin}/cdn/file.png` }).end();
      response.end();
    });
    const headers = { authorization: 'Bearer k', 'content-type': 'application/json', 'x-trace-content-id': 't1', 'x-upstream-authorization-hint': 'h' };
    const response = await providerFetch(`${origin}/submit`, { method: 'POST', headers, body: '{}', redirect: 'follow' });
    expect(await response.text()).toBe('image bytes');
    expect(response.url).toBe(`${elsewhere.origin}/cdn/file.png`);
    expect(seen.map((entry) => [entry.method, entry.url, entry.body.length])).toEqual([
      ['POST', '/submit', 2],
      ['GET', '/result', 0],
    ]);
    expect(seen[1]!.headers).toMatchObject({ authorization: 'Bearer k', 'x-trace-content-id': 't1' });
    expect(seen[1]!.headers['content-type']).toBeUndefined();
    expect(elsewhere.seen[0]!.headers.authorization).toBeUndefined();
    expect(elsewhere.seen[0]!.headers).toMatchObject({ 'x-trace-content-id': 't1', 'x-upstream-authorization-hint': 'h' });
  });

  it('keeps the method and body through a 307 or 308, and turns a POST into a GET through a 301 or 302', async () => {
    const { origin, seen } = await serve((request, response) => {
      const hop = /^\/(\d+)$/.exec(request.url!);
      if (hop) return response.writeHead(Number(hop[1]), { location: `/after-${hop[1]}` }).end();
      response.end(`${request.method} ${request.url}`);
    });
    for (const status of [307, 308, 301, 302]) {
      const response = await providerFetch(`${origin}/${status}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      const kept = status === 307 || status === 308;
      expect(await response.text()).toBe(`${kept ? 'POST' : 'GET'} /after-${status}`);
      expect([seen.at(-1)!.body.toString(), seen.at(-1)!.headers['content-type']]).toEqual(kept ? ['{"a":1}', 'application/json'] : ['', undefined]);
    }
    const get = await providerFetch(`${origin}/303`);
    expect(await get.text()).toBe('GET /after-303');
  });

  it('hands back a redirect status without a Location as it is, and follows one to https', async () => {
    const { origin, seen } = await serve((request, response) => {
      if (request.url === '/nowhere') return response.writeHead(302).end('no location');
      response.writeHead(302, { location: 'https://127.0.0.1:1/secure' }).end();
    });
    const unmoved = await providerFetch(`${origin}/nowhere`);
    expect([unmoved.status, await unmoved.text(), seen.length]).toEqual([302, 'no location', 1]);
    // Followed, so it fails at connecting (nothing listens on port 1), not at the scheme.
    const secure = await failureOf(providerFetch(`${origin}/secure`));
    expect(String(secure.cause)).toContain('ECONNREFUSED');
  });

  it("refuses a redirect for a request that must not follow one, without following it", async () => {
    const { origin, seen } = await serve((request, response) => {
      if (request.url === '/api') return response.writeHead(307, { location: '/moved' }).end();
      response.end();
    });
    const failure = await failureOf(providerFetch(`${origin}/api`, { method: 'POST', body: '{}', redirect: 'error' }));
    expect(failure).toBeInstanceOf(TypeError);
    expect(String(failure.cause)).toContain('HTTP 307');
    expect(seen.map((entry) => entry.url)).toEqual(['/api']);
  });

  it('gives up after 20 redirects, and never follows one to another scheme', async () => {
    const { origin, seen } = await serve((request, response) => {
      if (request.url === '/file') return response.writeHead(302, { location: 'file:///etc/passwd' }).end();
      response.writeHead(302, { location: `/hop${seen.length}` }).end();
    });
    const loop = await failureOf(providerFetch(`${origin}/hop0`));
    expect(String(loop.cause)).toContain('too many redirects');
    expect(seen).toHaveLength(21);
    const file = await failureOf(providerFetch(`${origin}/file`));
    expect(String(file.cause)).toContain('redirected to file:');
    expect(String((await failureOf(providerFetch('ftp://127.0.0.1/x'))).cause)).toContain('unsupported protocol ftp:');
  });

  it('answers a 204 with no body, and passes an error status through for the caller to judge', async () => {
    const { origin } = await serve((request, response) => {
      if (request.url === '/none') return response.writeHead(204).end();
      response.writeHead(429, { 'retry-after': '3' }).end('slow down');
    });
    const empty = await providerFetch(`${origin}/none`);
    expect([empty.status, empty.body, await empty.text()]).toEqual([204, null, '']);
    const refused = await providerFetch(`${origin}/busy`);
    expect([refused.status, refused.ok, refused.headers.get('retry-after'), await refused.text()]).toEqual([429, false, '3', 'slow down']);
  });

  it("rejects with the signal's reason when aborted before the answer, and fails the body read when aborted during it", async () => {
    const { origin, seen } = await serve((request, response) => {
      if (request.url === '/slow') return;
      response.writeHead(200);
      response.write('first part');
    });
    const beforeAnswer = new AbortController();
    const pending = providerFetch(`${origin}/slow`, { signal: beforeAnswer.signal });
    await expect.poll(() => seen.length).toBe(1);
    beforeAnswer.abort(new Error('caller left'));
    await expect(pending).rejects.toThrow('caller left');

    const alreadyAborted = AbortSignal.abort(new Error('gone before the call'));
    await expect(providerFetch(`${origin}/never`, { signal: alreadyAborted })).rejects.toThrow('gone before the call');

    const duringBody = new AbortController();
    const response = await providerFetch(`${origin}/stream`, { signal: duringBody.signal });
    const reader = response.body!.getReader();
    expect(Buffer.from((await reader.read()).value!).toString()).toBe('first part');
    const closed = new Promise((resolve) => seen[1]!.connection.once('close', resolve));
    duringBody.abort(new Error('deadline'));
    await expect(reader.read()).rejects.toBeDefined();
    await closed;
  });

  it('fails like fetch on an answer that is not HTTP, a status no Response can carry, and a closed port', async () => {
    const garbage = await failureOf(providerFetch(await rawServer('this is not http\r\n\r\n')));
    expect(garbage).toBeInstanceOf(TypeError);
    // Node's parser takes a 600; a Response cannot carry one.
    const oddStatus = await failureOf(providerFetch(await rawServer('HTTP/1.1 600 Odd\r\ncontent-length: 0\r\n\r\n')));
    expect(oddStatus).toBeInstanceOf(TypeError);
    expect(String(oddStatus.cause)).toMatch(/RangeError/);
    const closedPort = await rawServer('');
    servers.pop()!.close();
    const refused = await failureOf(providerFetch(closedPort));
    expect([refused.constructor, refused.message]).toEqual([TypeError, 'fetch failed']);
    expect(String(refused.cause)).toContain('ECONNREFUSED');
  });
});
