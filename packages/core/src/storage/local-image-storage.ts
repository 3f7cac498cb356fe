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

/** A file being written; renamed to its image's name once its bytes are all there. */
const PARTIAL_SUFFIX = '.partial';

/**
 * Images as files under `<dataDir>/images`, each handed out only once its bytes and its name
 * are on disk.
 *
 * The bytes go to `<name>.partial`, which is renamed to the image's name before anything is
 * flushed; then the file and the directory are flushed at once, the file's flush covering
 * its bytes and the directory's covering the rename. A crash while the bytes are written
 * leaves a `.partial` file, which the next start removes (one server owns a local data
 * directory; several instances share S3 instead). Only a crash between the rename and the
 * end of the flushes can leave a file under an image's name that nobody has the link to
 * (its name is random and not yet answered); retention removes those with the rest.
 * Flushing before the rename instead left the rename itself unflushed (on ext4 it reached
 * the disk with the next journal commit, up to ~5 s later, so a power cut could lose a URL
 * already given out), and flushing the directory after it cost a second flush in turn.
 */
export class LocalImageStorage implements ImageStorage {
  private readonly directory: string;

  constructor(dataDir: string) {
    this.directory = path.join(dataDir, 'images');
    fs.mkdirSync(this.directory, { recursive: true });
    this.removePartialFiles();
  }

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
    const file = this.file(id, ext);
    const partial = `${file}${PARTIAL_SUFFIX}`;
    // Only a large image's bytes and the flushes go to the thread pool; opening, renaming and
    // closing are metadata calls of microseconds on a local disk, and each round trip
    // through the pool cost a generate ~0.1 ms of waiting.
    const fd = fs.openSync(partial, 'wx');
    try {
      await writeAll(fd, bytes);
      fs.renameSync(partial, file);
      // Both settle before the descriptor is closed: a flush still running in the thread pool
      // on a closed descriptor, perhaps reused by then, would flush some other file.
      const flushes = await Promise.allSettled([fsync(fd), this.flushDirectory()]);
      for (const flush of flushes) if (flush.status === 'rejected') throw flush.reason;
    } catch (error) {
      fs.closeSync(fd);
      for (const name of [partial, file]) fs.rmSync(name, { force: true });
      throw error;
    }
    fs.closeSync(fd);
    return { id, ext, fileName: `${id}.${ext}`, contentType: IMAGE_FORMATS[ext], size: bytes.byteLength };
  }

  /** Makes the directory's entries durable (a file's own flush does not cover its name). */
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
