import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { parseImageFileName, type ImageStorage } from './image-storage.ts';

/** One suite for every ImageStorage: local disk and S3 must behave the same. */
export function describeImageStorage(name: string, open: () => ImageStorage) {
  describe(`${name} image storage`, () => {
    it('stores bytes under a fresh 144-bit id and reads them back, whole or by range', async () => {
      const storage = open();
      const saved = await storage.save(Buffer.from('0123456789'), 'png');
      expect(saved.fileName).toMatch(/^[A-Za-z0-9_-]{24}\.png$/);
      expect(parseImageFileName(saved.fileName)).toEqual({ id: saved.id, ext: 'png' });
      expect(await storage.stat(saved.id, 'png')).toMatchObject({ size: 10 });
      expect(await text(await storage.read(saved.id, 'png'))).toBe('0123456789');
      expect(await text(await storage.read(saved.id, 'png', { start: 2, end: 5 }))).toBe('2345');
      expect(await storage.stat(saved.id, 'webp')).toBeUndefined();
      expect((await storage.save(Buffer.from('x'), 'png')).id).not.toBe(saved.id);
    });

    it('removes images older than the cutoff and keeps younger ones', async () => {
      const storage = open();
      const old = await storage.save(Buffer.from('old'), 'jpg');
      const before = (await storage.stat(old.id, 'jpg'))!.lastModified;
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const young = await storage.save(Buffer.from('young'), 'webp');
      const cutoff = new Date(before.getTime() + 500);
      expect(await storage.deleteOlderThan(cutoff)).toBeGreaterThanOrEqual(1);
      expect(await storage.stat(old.id, 'jpg')).toBeUndefined();
      expect(await storage.stat(young.id, 'webp')).toMatchObject({ size: 5 });
    });

    it('says it is ready', async () => {
      expect(await open().isReady()).toBe(true);
    });
  });
}
