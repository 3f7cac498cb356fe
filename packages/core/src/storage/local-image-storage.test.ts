import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { parseImageFileName } from './image-storage.ts';
import { LocalImageStorage } from './local-image-storage.ts';

describe('LocalImageStorage', () => {
  it('stores bytes under a fresh 144-bit id and reads them back', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-storage-'));
    const storage = new LocalImageStorage(dataDir);
    const saved = await storage.save(Buffer.from('png-bytes'), 'png');
    expect(saved.fileName).toMatch(/^[A-Za-z0-9_-]{24}\.png$/);
    expect(fs.readFileSync(path.join(dataDir, 'images', saved.fileName), 'utf8')).toBe('png-bytes');
    expect(fs.readdirSync(path.join(dataDir, 'images'))).toEqual([saved.fileName]);

    const object = await storage.open(saved.id, 'png');
    expect(object).toMatchObject({ size: 9, contentType: 'image/png', etag: `"${saved.id}"` });
    expect(await text(object!.body)).toBe('png-bytes');
    expect(await storage.open(saved.id, 'webp')).toBeUndefined();
    const other = await storage.save(Buffer.from('x'), 'png');
    expect(other.id).not.toBe(saved.id);
  });

  it.each(['../../etc/passwd', '..%2f..%2fetc.png', 'aaaaaaaaaaaaaaaaaaaaaaaa.exe', 'short.png', 'aaaaaaaaaaaaaaaaaaaaaaaa.png.png', '.png'])(
    'rejects the file name %s before it reaches the disk',
    (name) => {
      expect(parseImageFileName(name)).toBeUndefined();
    },
  );

  it('accepts a well-formed name', () => {
    expect(parseImageFileName('AbCdEfGhIjKlMnOpQrStUv-_.webp')).toEqual({ id: 'AbCdEfGhIjKlMnOpQrStUv-_', ext: 'webp' });
  });
});
