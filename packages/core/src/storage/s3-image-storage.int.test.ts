import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_BUCKET, TestS3Server } from '../testing/s3-server.ts';
import { describeImageStorage } from './image-storage.contract.ts';
import { S3ImageStorage } from './s3-image-storage.ts';

let server: TestS3Server;
beforeAll(async () => {
  server = await TestS3Server.start();
});
afterAll(() => server.close());

describeImageStorage('s3 (s3rver on loopback)', () => new S3ImageStorage({ bucket: TEST_BUCKET, client: server.clientConfig }));

it('hands out presigned links that download the object without credentials', async () => {
  const storage = new S3ImageStorage({ bucket: TEST_BUCKET, client: server.clientConfig });
  const saved = await storage.save(Buffer.from('presigned bytes'), 'png');
  const url = await storage.presignedUrl(saved.id, 'png');
  expect(url).toContain('X-Amz-Signature=');
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(await response.text()).toBe('presigned bytes');
});

it('is not ready, and answers 503, when the bucket is unreachable', async () => {
  const storage = new S3ImageStorage({ bucket: TEST_BUCKET, client: { ...server.clientConfig, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 } });
  expect(await storage.isReady()).toBe(false);
  await expect(storage.save(Buffer.from('x'), 'png')).rejects.toMatchObject({ code: 'service_unavailable' });
});
