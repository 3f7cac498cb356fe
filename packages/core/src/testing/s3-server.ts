import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// s3rver has no type declarations; it speaks the S3 REST protocol (objects, ranges,
// ListObjectsV2, DeleteObjects, presigned URLs) from a folder on disk.
// @ts-expect-error untyped package
import S3rver from 's3rver';

export const TEST_BUCKET = 'aiphoto-test';

/**
 * A real S3-protocol server on a loopback port (s3rver, from npm: the one S3 implementation
 * that installs from the npm registry and starts in-process in milliseconds), backed by a
 * temporary folder. Its fixed credentials are S3RVER / S3RVER.
 */
export class TestS3Server {
  private constructor(
    private readonly server: { close(): Promise<void> },
    readonly endpoint: string,
    readonly directory: string,
  ) {}

  static async start(): Promise<TestS3Server> {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-s3-'));
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: TEST_BUCKET }] });
    const address = (await server.run()) as { address: string; port: number };
    return new TestS3Server(server, `http://127.0.0.1:${address.port}`, directory);
  }

  /** The standard AWS variables a service instance would be given. */
  get environment(): Record<string, string> {
    return {
      AIPHOTO_S3_BUCKET: TEST_BUCKET,
      AWS_ENDPOINT_URL: this.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    };
  }

  get clientConfig() {
    return { endpoint: this.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
