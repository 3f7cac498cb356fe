import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';

/** The one table of raster formats: file extension → media type. */
export const IMAGE_FORMATS = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
} as const;
export type ImageExtension = keyof typeof IMAGE_FORMATS;
export type ImageMediaType = (typeof IMAGE_FORMATS)[ImageExtension];

/** The extension for a media type ("image/jpeg"), or for a format's name ("jpeg", as sharp and callers say it). */
export function imageExtension(name: string): ImageExtension | undefined {
  const found = Object.entries(IMAGE_FORMATS).find(([extension, mediaType]) => name === mediaType || name === extension || `image/${name}` === mediaType);
  return found?.[0] as ImageExtension | undefined;
}

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

export interface ImageStat {
  size: number;
  lastModified: Date;
}

/** Inclusive byte range, already checked against the object's size. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ImageStorage {
  /** Resolves once the bytes are durably stored and can be served. */
  save(bytes: Uint8Array, ext: ImageExtension): Promise<StoredImage>;
  stat(id: string, ext: ImageExtension): Promise<ImageStat | undefined>;
  read(id: string, ext: ImageExtension, range?: ByteRange): Promise<Readable>;
  /** Retention: removes every image stored before `cutoff`; returns how many. */
  deleteOlderThan(cutoff: Date): Promise<number>;
  isReady(): Promise<boolean>;
  /** Only stores that can hand out direct, time-limited links implement this. */
  presignedUrl?(id: string, ext: ImageExtension): Promise<string>;
}

/** Ids are never reused and stored bytes never change, so the id is a strong validator. */
export const etagOf = (id: string) => `"${id}"`;

/**
 * Parses a single-range `Range: bytes=…` header against a size. Returns undefined for no
 * (or an ignorable) header, 'unsatisfiable' for a range outside the object.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(size - Number(match[2]), 0);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start > end || start >= size) return 'unsatisfiable';
  return { start, end };
}
