import { describe, expect, it } from 'vitest';
import { startTestServer } from './testing/harness.ts';
import { streamUpload } from './testing/raw-http.ts';

const MiB = 1024 * 1024;
/** What loopback socket buffers can hold on both sides: anything past it was read by the server. */
const SOCKET_SLACK = 8 * MiB;
const json = (body: string) => JSON.parse(body) as Record<string, unknown>;
/** The contract's code, from a REST envelope or a tRPC error alike. */
const errorCodeOf = (body: string) => {
  const { error } = json(body) as { error?: string | { data?: { error?: string } } };
  return typeof error === 'string' ? error : error?.data?.error;
};

describe('no request buffers more than its limit', () => {
  it.each([
    ['/trpc/enhance', 'Multipart/Form-Data; boundary=x'],
    ['/trpc/enhance', 'MULTIPART/FORM-DATA; boundary=x'],
    ['/api/enhance', 'multipart/Form-Data; boundary=x'],
  ])('%s refuses a 1 GiB upload declared as %s before reading it', async (path, contentType) => {
    await using t = await startTestServer();
    const answer = await streamUpload(t.baseUrl, { path, headers: { 'Content-Type': contentType }, totalBytes: 1024 * MiB });
    expect(answer.status).toBe(413);
    expect(answer.bytesSent).toBeLessThan(SOCKET_SLACK);
    expect(answer.headers.connection).toBe('close');
    expect(answer.headers['x-request-id']).toBeTruthy();
  });

  it('/trpc/enhance refuses a chunked upload of unknown length, whatever the letter case', async () => {
    await using t = await startTestServer();
    const rssBefore = process.memoryUsage().rss;
    const answer = await streamUpload(t.baseUrl, {
      path: '/trpc/enhance',
      headers: { 'Content-Type': 'MultiPart/form-data; boundary=x' },
      totalBytes: 200 * MiB,
      chunked: true,
    });
    expect(answer.status).toBe(413);
    expect(errorCodeOf(answer.body)).toBe('payload_too_large');
    expect(answer.bytesSent).toBeLessThan(SOCKET_SLACK);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * MiB);
  });

  it('/api/enhance stops a chunked upload at the byte limit while it streams', async () => {
    await using t = await startTestServer({ env: { AIPHOTO_MAX_UPLOAD_BYTES: String(2 * MiB) } });
    const answer = await streamUpload(t.baseUrl, {
      path: '/api/enhance',
      headers: { 'Content-Type': 'multipart/form-data; boundary=XyZ' },
      prefix: '--XyZ\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n',
      totalBytes: 300 * MiB,
      chunked: true,
    });
    expect(answer.status).toBe(413);
    expect(json(answer.body)).toMatchObject({ success: false, error: 'payload_too_large' });
    expect(answer.bytesSent).toBeLessThan(2 * MiB + SOCKET_SLACK);
  });

  it.each([
    ['/api/generate', 'Application/JSON'],
    ['/trpc/generate', 'application/json'],
    ['/v1/images/generations', 'application/JSON; charset=utf-8'],
  ])('%s stops a chunked %s body at the JSON limit while it streams', async (path, contentType) => {
    await using t = await startTestServer();
    const answer = await streamUpload(t.baseUrl, {
      path,
      headers: { 'Content-Type': contentType },
      prefix: '{"prompt":"',
      filler: 'a',
      totalBytes: 150 * MiB,
      chunked: true,
    });
    expect(answer.status).toBe(413);
    expect(answer.bytesSent).toBeLessThan(SOCKET_SLACK);
  });

  it.each(['/trpc/generate', '/api/generate', '/v1/images/generations'])(
    '%s refuses a multipart body with 415 before reading it',
    async (path) => {
      await using t = await startTestServer();
      const answer = await streamUpload(t.baseUrl, {
        path,
        headers: { 'Content-Type': 'Multipart/Form-Data; boundary=x' },
        totalBytes: 150 * MiB,
      });
      expect(answer.status).toBe(415);
      expect(answer.bytesSent).toBeLessThan(SOCKET_SLACK);
    },
  );

  it.each([
    ['image/jpeg', 5 * MiB],
    ['application/octet-stream', 5 * MiB],
    ['TEXT/plain', 110 * 1024],
  ])('/api/enhance answers a photo sent as %s (%i bytes) with 415 saying to send multipart/form-data, before reading it', async (contentType, totalBytes) => {
    await using t = await startTestServer();
    const answer = await streamUpload(t.baseUrl, { path: '/api/enhance', headers: { 'Content-Type': contentType }, totalBytes });
    expect(answer.status).toBe(415);
    expect(json(answer.body)).toMatchObject({
      error: 'unsupported_media_type',
      message: expect.stringMatching(/^Send the photo as multipart\/form-data with the file in the "image" field/),
    });
    expect(answer.bytesSent).toBeLessThan(SOCKET_SLACK);
  });

  it('answers 401 for a bad key before looking at the size of the upload', async () => {
    await using t = await startTestServer();
    const answer = await streamUpload(t.baseUrl, {
      path: '/api/enhance',
      headers: { 'Content-Type': 'multipart/form-data; boundary=x', Authorization: 'Bearer aip_not-a-real-key' },
      totalBytes: 1024 * MiB,
    });
    expect(answer.status).toBe(401);
    expect(json(answer.body)).toMatchObject({ error: 'unauthorized' });
    expect(answer.bytesSent).toBeLessThan(SOCKET_SLACK);
  });
});
