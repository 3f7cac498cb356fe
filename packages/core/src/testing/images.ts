import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

export const repoRoot = path.resolve(import.meta.dirname, '../../../..');

/** A crop of a real photograph from bench/photos (public domain / CC0, see its LICENSE.md). */
export async function photoCrop(width: number, height: number, left = 180, top = 60): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(path.join(repoRoot, 'bench/photos/astronaut.png'))
    .extract({ left, top, width, height })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { rgb: data, width: info.width, height: info.height };
}

export async function photoFile(width: number, height: number, format: 'png' | 'jpeg' | 'webp' = 'png'): Promise<Buffer> {
  const crop = await photoCrop(width, height);
  return sharp(crop.rgb, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

/**
 * A PNG that declares `width`×`height` but carries almost no data: the classic
 * decompression bomb. Built by hand so its header is valid (correct CRCs).
 */
export function pngBomb(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8);
  header.writeUInt8(2, 9);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function readRepoFile(relative: string): Buffer {
  return fs.readFileSync(path.join(repoRoot, relative));
}
