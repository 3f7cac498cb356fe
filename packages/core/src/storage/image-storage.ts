import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';

export const IMAGE_FORMATS = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
} as const;
export type ImageExtension = keyof typeof IMAGE_FORMATS;

/** 18 random bytes = 144 bits, above the 128 the contract asks for; base64url keeps URLs clean. */
const ID_PATTERN = /^[A-Za-z0-9_-]{24}$/;

export function newImageId(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Parses "<id>.<ext>" from a URL. Anything else is rejected here, so no client-supplied
 * path ever reaches a file system or bucket key.
 */
export function parseImageFileName(fileName: string): { id: string; ext: ImageExtension } | undefined {
  const match = /^([^.]+)\.([a-z]+)$/.exec(fileName);
  if (!match) return undefined;
  const [, id, ext] = match;
  if (!ID_PATTERN.test(id!) || !Object.hasOwn(IMAGE_FORMATS, ext!)) return undefined;
  return { id: id!, ext: ext as ImageExtension };
}

export interface StoredImage {
  id: string;
  ext: ImageExtension;
  fileName: string;
  contentType: string;
  size: number;
}

export interface ImageObject {
  size: number;
  contentType: string;
  /** Ids are never reused and stored bytes never change, so the id is a strong validator. */
  etag: string;
  lastModified: Date;
  body: Readable;
}

export interface ImageStorage {
  /** Resolves once the bytes are durably stored and can be served. */
  save(bytes: Uint8Array, ext: ImageExtension): Promise<StoredImage>;
  open(id: string, ext: ImageExtension): Promise<ImageObject | undefined>;
}
