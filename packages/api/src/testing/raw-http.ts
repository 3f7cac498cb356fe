import net from 'node:net';

export interface StreamedUpload {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Body bytes the client managed to write before the server answered or hung up. */
  bytesSent: number;
}

/**
 * Sends a request over a raw socket and keeps writing body bytes (honouring backpressure)
 * until the server answers, so a test can see how much a server takes before refusing.
 * `chunked` sends Transfer-Encoding: chunked instead of a Content-Length.
 */
export async function streamUpload(
  baseUrl: string,
  options: {
    path: string;
    headers: Record<string, string>;
    /** Bytes the client would send in all; with a Content-Length this is what it declares. */
    totalBytes: number;
    chunked?: boolean;
    /** Written first, counted in totalBytes (a multipart preamble, a JSON opening). */
    prefix?: string;
    filler?: string;
  },
): Promise<StreamedUpload> {
  const { hostname, port } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname);
  const head = [
    `POST ${options.path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    ...Object.entries(options.headers).map(([name, value]) => `${name}: ${value}`),
    options.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${options.totalBytes}`,
    '',
    '',
  ].join('\r\n');
  let response = '';
  let answered = false;
  let closed = false;
  const done = new Promise<void>((resolve) => {
    socket.on('data', (data) => {
      response += data.toString('latin1');
      answered = true;
    });
    socket.on('close', () => {
      closed = true;
      resolve();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(head);
  const chunk = Buffer.alloc(64 * 1024, options.filler ?? 'a');
  let bytesSent = 0;
  const frame = (data: Buffer) => (options.chunked ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data);
  if (options.prefix) {
    socket.write(frame(Buffer.from(options.prefix)));
    bytesSent += Buffer.byteLength(options.prefix);
  }
  while (!answered && !closed && bytesSent < options.totalBytes) {
    const piece = chunk.subarray(0, Math.min(chunk.length, options.totalBytes - bytesSent));
    bytesSent += piece.length;
    if (!socket.write(frame(piece))) {
      await new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          socket.off('drain', finish);
          resolve();
        };
        // A server that stopped reading without answering yet: poll for its answer.
        const timer = setTimeout(finish, 200);
        socket.once('drain', finish);
      });
    }
  }
  if (!answered && !closed && options.chunked) socket.write('0\r\n\r\n');
  // The answer may still be on its way; give it a moment, then stop.
  const deadline = setTimeout(() => socket.destroy(), 10_000);
  await Promise.race([done, waitFor(() => /\r\n\r\n/.test(response) && isComplete(response))]);
  clearTimeout(deadline);
  socket.destroy();
  const [rawHead = '', ...rest] = response.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = rawHead.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body: rest.join('\r\n\r\n'), bytesSent };
}

function isComplete(response: string): boolean {
  const [head = '', ...rest] = response.split('\r\n\r\n');
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  return length ? Buffer.byteLength(rest.join('\r\n\r\n'), 'latin1') >= Number(length[1]) : false;
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
