import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { IMAGE_FORMATS, newImageId, type ByteRange, type ImageExtension, type ImageStorage } from './image-storage.ts';

const PARTIAL_SUFFIX = '.partial';

const write = promisify(fs.write);
const fsync = promisify(fs.fsync);

/**
 * Up to this size the bytes are copied into the page cache on the event loop (tens of
 * microseconds), which is quicker than a round trip through the thread pool; larger images
 * are written there, so one never holds up other requests for long.
 */
const SYNC_WRITE_BYTES = 256 * 1024;

async function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength; ) {
    const length = bytes.byteLength - offset;
    offset += length <= SYNC_WRITE_BYTES ? fs.writeSync(fd, bytes, offset, length) : (await write(fd, bytes, offset, length)).bytesWritten;
  }
}

/** Images as files under `<dataDir>/images`, written to a temporary name and renamed into place. */
export class LocalImageStorage implements ImageStorage {
  private readonly directory: string;

  constructor(dataDir: string) {
    this.directory = path.join(dataDir, 'images');
    fs.mkdirSync(this.directory, { recursive: true });
    this.removePartialFiles();
  }

  /**
   * A crash between writing and renaming leaves a `.partial` file that nothing will ever
   * serve or sweep. One server owns a local data directory (several instances share S3
   * instead), so at startup every such file is a leftover.
   */
  private removePartialFiles(): void {
    for (const name of fs.readdirSync(this.directory)) {
      if (name.endsWith(PARTIAL_SUFFIX)) fs.rmSync(path.join(this.directory, name), { force: true });
    }
  }

  private file(id: string, ext: ImageExtension) {
    return path.join(this.directory, `${id}.${ext}`);
  }

  async save(bytes: Uint8Array, ext: ImageExtension) {
    const id = newImageId();
    const fileName = `${id}.${ext}`;
    const finalPath = path.join(this.directory, fileName);
    const temporaryPath = `${finalPath}${PARTIAL_SUFFIX}`;
    // Only a large image's bytes and the flush go to the thread pool; opening, closing and
    // renaming are metadata calls of microseconds on a local disk, and each round trip
    // through the pool cost a generate ~0.1 ms of waiting.
    const fd = fs.openSync(temporaryPath, 'wx');
    try {
      await writeAll(fd, bytes);
      await fsync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporaryPath, finalPath);
    return { id, ext, fileName, contentType: IMAGE_FORMATS[ext], size: bytes.byteLength };
  }

  async stat(id: string, ext: ImageExtension) {
    try {
      const stat = await fs.promises.stat(this.file(id, ext));
      return { size: stat.size, lastModified: stat.mtime };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async read(id: string, ext: ImageExtension, range?: ByteRange): Promise<Readable> {
    return fs.createReadStream(this.file(id, ext), range ? { start: range.start, end: range.end } : {});
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    let deleted = 0;
    for (const name of await fs.promises.readdir(this.directory)) {
      const file = path.join(this.directory, name);
      const stat = await fs.promises.stat(file).catch(() => undefined);
      if (stat && stat.mtime < cutoff) {
        await fs.promises.rm(file, { force: true });
        deleted++;
      }
    }
    return deleted;
  }

  async isReady(): Promise<boolean> {
    try {
      await fs.promises.access(this.directory, fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }
}
