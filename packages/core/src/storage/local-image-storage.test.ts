import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeImageStorage } from './image-storage.contract.ts';
import { imageExtension, parseImageFileName, parseRange } from './image-storage.ts';
import { LocalImageStorage } from './local-image-storage.ts';

describeImageStorage('local', () => new LocalImageStorage(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-storage-'))));

describe('file names and ranges', () => {
  it.each(['../../etc/passwd', '..%2f..%2fetc.png', 'aaaaaaaaaaaaaaaaaaaaaaaa.exe', 'short.png', 'aaaaaaaaaaaaaaaaaaaaaaaa.png.png', '.png'])(
    'rejects the file name %s before it reaches any storage',
    (name) => {
      expect(parseImageFileName(name)).toBeUndefined();
    },
  );

  it('accepts a well-formed id.ext and nothing around it', () => {
    const id = 'AbCdEfGhIjKlMnOpQrStUv_-';
    expect(parseImageFileName(`${id}.png`)).toEqual({ id, ext: 'png' });
    expect(parseImageFileName(`.${id}.png`)).toBeUndefined();
    expect(parseImageFileName(`x/${id}.png`)).toBeUndefined();
    expect(parseImageFileName(`${id}.PNG`)).toBeUndefined();
  });

  it.each([
    ['bytes=0-3', { start: 0, end: 3 }],
    ['  bytes=2-2  ', { start: 2, end: 2 }],
    ['bytes=9-9', { start: 9, end: 9 }],
    ['xbytes=0-1', undefined],
    ['bytes=0-1x', undefined],
    ['bytes=-', undefined],
    ['bytes=5-', { start: 5, end: 9 }],
    ['bytes=-4', { start: 6, end: 9 }],
    ['bytes=8-100', { start: 8, end: 9 }],
    ['bytes=10-12', 'unsatisfiable'],
    ['bytes=10-', 'unsatisfiable'],
    ['bytes=4-2', 'unsatisfiable'],
    ['bytes=0-1,4-5', undefined],
    ['items=0-1', undefined],
    [undefined, undefined],
  ])('reads Range %s of a 10-byte object as %j', (header, expected) => {
    expect(parseRange(header, 10)).toEqual(expected);
  });
});

describe('LocalImageStorage on disk', () => {
  afterEach(() => vi.restoreAllMocks());
  const dataDir = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-local-')), 'nested', 'data');

  it('creates <dataDir>/images, however deep, and writes files there', async () => {
    const dir = dataDir();
    const storage = new LocalImageStorage(dir);
    const saved = await storage.save(new Uint8Array([1, 2, 3]), 'png');
    expect(fs.readFileSync(path.join(dir, 'images', saved.fileName))).toEqual(Buffer.from([1, 2, 3]));
    expect(await storage.isReady()).toBe(true);
  });

  it.each([
    ['a small image (written on the event loop)', 200_000],
    ['a large image (written through the thread pool)', 1_500_000],
  ])('stores %s byte for byte, from a view into a larger buffer, and nothing else', async (_name, size) => {
    const dir = dataDir();
    const storage = new LocalImageStorage(dir);
    const backing = randomBytes(size + 100_000);
    const bytes = backing.subarray(50_000, 50_000 + size);
    const saved = await storage.save(bytes, 'png');
    expect(saved.size).toBe(size);
    expect(fs.readFileSync(path.join(dir, 'images', saved.fileName)).equals(bytes)).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'images'))).toEqual([saved.fileName]);
  });

  it('hands an image out only once its bytes and its name are flushed to disk', async () => {
    const dir = dataDir();
    const storage = new LocalImageStorage(dir);
    const flushed: string[] = [];
    const realFsync = fs.fsync;
    // Each flush finishes a little later, so a save that does not wait for both resolves first.
    vi.spyOn(fs, 'fsync').mockImplementation((fd, callback) => {
      const what = fs.fstatSync(fd).isDirectory() ? 'directory' : 'file';
      realFsync(fd, (error) => setTimeout(() => (flushed.push(what), callback(error)), 20));
    });
    const saved = await storage.save(new Uint8Array([7, 8, 9]), 'png');
    expect(flushed.sort()).toEqual(['directory', 'file']);
    expect(fs.readFileSync(path.join(dir, 'images', saved.fileName))).toEqual(Buffer.from([7, 8, 9]));
  });

  it('removes the file and fails when the disk cannot flush it', async () => {
    const dir = dataDir();
    const storage = new LocalImageStorage(dir);
    vi.spyOn(fs, 'fsync').mockImplementation((_fd, callback) => callback(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })));
    await expect(storage.save(new Uint8Array([1, 2, 3]), 'png')).rejects.toMatchObject({ code: 'EIO' });
    expect(fs.readdirSync(path.join(dir, 'images'))).toEqual([]);
  });

  it('lets a slower flush finish before closing the file, when the other one fails', async () => {
    const dir = dataDir();
    const storage = new LocalImageStorage(dir);
    const realFsync = fs.fsync;
    const events: string[] = [];
    vi.spyOn(fs, 'fsync').mockImplementation((fd, callback) => {
      if (fs.fstatSync(fd).isDirectory()) return callback(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
      realFsync(fd, (error) => setTimeout(() => (events.push('file flushed'), callback(error)), 30));
    });
    await storage.save(new Uint8Array([1]), 'png').catch((error: { code: string }) => events.push(`save failed: ${error.code}`));
    expect(events).toEqual(['file flushed', 'save failed: EIO']);
    expect(fs.readdirSync(path.join(dir, 'images'))).toEqual([]);
  });

  it('removes .partial leftovers when opened, and nothing else', () => {
    const dir = dataDir();
    const images = path.join(dir, 'images');
    fs.mkdirSync(images, { recursive: true });
    fs.writeFileSync(path.join(images, 'AAAAAAAAAAAAAAAAAAAAAAAA.png.partial'), 'x');
    fs.writeFileSync(path.join(images, 'BBBBBBBBBBBBBBBBBBBBBBBB.png'), 'kept');
    fs.writeFileSync(path.join(images, 'partial.png'), 'kept too');
    new LocalImageStorage(dir);
    expect(fs.readdirSync(images).sort()).toEqual(['BBBBBBBBBBBBBBBBBBBBBBBB.png', 'partial.png']);
  });

  it('writes the bytes under a .partial name, and gives the image its name before the flushes', async () => {
    const dir = dataDir();
    const storage = new LocalImageStorage(dir);
    const namesWhileWriting: string[] = [];
    const namesWhileFlushing: string[] = [];
    const realWriteSync = fs.writeSync;
    vi.spyOn(fs, 'writeSync').mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      namesWhileWriting.push(...fs.readdirSync(path.join(dir, 'images')));
      return realWriteSync(...args);
    }) as typeof fs.writeSync);
    const realFsync = fs.fsync;
    vi.spyOn(fs, 'fsync').mockImplementation((fd, callback) => {
      namesWhileFlushing.push(...fs.readdirSync(path.join(dir, 'images')));
      realFsync(fd, callback);
    });
    const saved = await storage.save(new Uint8Array([4, 5, 6]), 'png');
    expect(namesWhileWriting).toEqual([`${saved.fileName}.partial`]);
    expect(namesWhileFlushing).toEqual([saved.fileName, saved.fileName]);
  });

  it('answers undefined for a missing image, and fails loudly on other errors', async () => {
    const dir = dataDir();
    const storage = new LocalImageStorage(dir);
    expect(await storage.stat('CCCCCCCCCCCCCCCCCCCCCCCC', 'png')).toBeUndefined();
    // The images folder replaced by a file: not "missing", something is wrong.
    fs.writeFileSync(path.join(dir, 'images', 'file-not-dir'), '');
    const broken = new LocalImageStorage(dir) as unknown as { directory: string; stat: LocalImageStorage['stat'] };
    broken.directory = path.join(dir, 'images', 'file-not-dir');
    await expect(broken.stat('EEEEEEEEEEEEEEEEEEEEEEEE', 'png')).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('keeps an image exactly as old as the cutoff and removes an older one', async () => {
    const dir = dataDir();
    const storage = new LocalImageStorage(dir);
    const cutoff = new Date('2026-10-26T12:00:00Z');
    const atCutoff = await storage.save(new Uint8Array([1]), 'png');
    const older = await storage.save(new Uint8Array([2]), 'png');
    fs.utimesSync(path.join(dir, 'images', atCutoff.fileName), cutoff, cutoff);
    fs.utimesSync(path.join(dir, 'images', older.fileName), new Date(cutoff.getTime() - 1000), new Date(cutoff.getTime() - 1000));
    expect(await storage.deleteOlderThan(cutoff)).toBe(1);
    expect(fs.readdirSync(path.join(dir, 'images'))).toEqual([atCutoff.fileName]);
  });

  it('is not ready when its folder cannot be written', async () => {
    const dir = dataDir();
    const storage = new LocalImageStorage(dir);
    fs.rmSync(path.join(dir, 'images'), { recursive: true });
    expect(await storage.isReady()).toBe(false);
  });
});

describe('imageExtension', () => {
  it.each([
    ['image/png', 'png'],
    ['image/jpeg', 'jpg'],
    ['image/webp', 'webp'],
    ['png', 'png'],
    ['jpeg', 'jpg'],
    ['jpg', 'jpg'],
    ['webp', 'webp'],
    ['gif', undefined],
    ['image/gif', undefined],
    ['', undefined],
  ])('names %j as %j', (name, extension) => {
    expect(imageExtension(name)).toBe(extension);
  });
});
