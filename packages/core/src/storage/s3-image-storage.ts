import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ServiceUnavailableError } from '../errors.ts';
import { IMAGE_FORMATS, newImageId, type ByteRange, type ImageExtension, type ImageStorage } from './image-storage.ts';

export interface S3StorageOptions {
  bucket: string;
  /** Passed to the AWS SDK; credentials and region come from the standard AWS_* variables. */
  client?: S3ClientConfig;
  prefix?: string;
}

const PRESIGN_SECONDS = 3600;

function unavailable(error: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError('Image storage is unreachable; retry in a few seconds.', { retryAfterSeconds: 5, cause: error });
}

/**
 * Images in an S3-compatible bucket (AWS, MinIO, R2, …), under `<prefix><id>.<ext>`.
 * Every instance behind a load balancer reads and writes the same objects.
 */
export class S3ImageStorage implements ImageStorage {
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3StorageOptions) {
    this.client = new S3Client({ forcePathStyle: true, ...options.client });
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? 'images/';
  }

  private key(id: string, ext: ImageExtension) {
    return `${this.prefix}${id}.${ext}`;
  }

  async save(bytes: Uint8Array, ext: ImageExtension) {
    const id = newImageId();
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(id, ext),
          Body: bytes,
          ContentType: IMAGE_FORMATS[ext],
          CacheControl: 'public, max-age=31536000, immutable',
        }),
      );
    } catch (error) {
      throw unavailable(error);
    }
    return { id, ext, fileName: `${id}.${ext}`, contentType: IMAGE_FORMATS[ext], size: bytes.byteLength };
  }

  async stat(id: string, ext: ImageExtension) {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(id, ext) }));
      return { size: Number(head.ContentLength ?? 0), lastModified: head.LastModified ?? new Date(0) };
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw unavailable(error);
    }
  }

  async read(id: string, ext: ImageExtension, range?: ByteRange): Promise<Readable> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(id, ext), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      return object.Body as Readable;
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** A time-limited link straight to the bucket, for AIPHOTO_S3_PUBLIC_MODE=presign. */
  presignedUrl(id: string, ext: ImageExtension): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.key(id, ext) }), { expiresIn: PRESIGN_SECONDS });
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token }));
      const old = (page.Contents ?? []).filter((object) => object.Key && object.LastModified && object.LastModified < cutoff);
      if (old.length > 0) {
        await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: old.map((object) => ({ Key: object.Key! })), Quiet: true } }),
        );
        deleted += old.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }

  async isReady(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch {
      return false;
    }
  }
}
