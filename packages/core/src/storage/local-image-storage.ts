import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { IMAGE_FORMATS, newImageId, type ByteRange, type ImageExtension, type ImageStorage } from './image-storage.ts';

const write = promisify(fs.write);
// Looked up on each call rather than bound once, so a test can make the disk fail a flush.
const fsync = (fd: number) => new Promise<void>((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve())));

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

/**
 * Images as files under `<dataDir>/images`, each written under its final name and handed out
 * only once its bytes and its directory entry are on disk.
 *
 * No temporary name: ids are random and unpublished until `save` returns, so no reader can
 * find a file half written. A crash mid-write leaves a file nobody has the link to, which
 * retention removes with the rest. Renaming a flushed temporary file into place left the
 * rename itself unflushed (on ext4 it reached the disk with the next journal commit, up to
 * ~5 s later, so a power cut could lose a URL already given out). Flushing the directory
 * after a rename would cost a second flush in turn; flushing it alongside the file costs
 * about nothing (create, write and flush of a small file on this VM: 0.31–0.40 ms with
 * both flushes, 0.69–0.89 ms with the rename and one flush, whose next create waited on the
 * journal).
 */
export class LocalImageStorage implements ImageStorage {
  private readonly directory: string;

  constructor(dataDir: string) {
    this.directory = path.join(dataDir, 'images');
    fs.mkdirSync(this.directory, { recursive: true });
  }

  private file(id: string, ext: ImageExtension) {
    return path.join(this.directory, `${id}.${ext}`);
  }

  async save(bytes: Uint8Array, ext: ImageExtension) {
    const id = newImageId();
    const file = this.file(id, ext);
    // Only a large image's bytes and the flushes go to the thread pool; opening and closing
    // are metadata calls of microseconds on a local disk, and each round trip through the
    // pool cost a generate ~0.1 ms of waiting.
    const fd = fs.openSync(file, 'wx');
    try {
      await writeAll(fd, bytes);
      // Both settle before the descriptor is closed: a flush still running in the thread pool
      // on a closed descriptor, perhaps reused by then, would flush some other file.
      const flushes = await Promise.allSettled([fsync(fd), this.flushDirectory()]);
      for (const flush of flushes) if (flush.status === 'rejected') throw flush.reason;
    } catch (error) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw error;
    }
    fs.closeSync(fd);
    return { id, ext, fileName: `${id}.${ext}`, contentType: IMAGE_FORMATS[ext], size: bytes.byteLength };
  }

  /** Makes the directory's new entries durable (a file's own flush does not cover its name). */
  private async flushDirectory(): Promise<void> {
    const fd = fs.openSync(this.directory, 'r');
    try {
      await fsync(fd);
    } finally {
      fs.closeSync(fd);
    }
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
