import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeImageStorage } from './image-storage.contract.ts';
import { parseImageFileName, parseRange } from './image-storage.ts';
import { LocalImageStorage } from './local-image-storage.ts';

describeImageStorage('local', () => new LocalImageStorage(fs.mkdtempSync(path.join(os.tmpdir(), 'aiphoto-storage-'))));

describe('file names and ranges', () => {
  it.each(['../../etc/passwd', '..%2f..%2fetc.png', 'aaaaaaaaaaaaaaaaaaaaaaaa.exe', 'short.png', 'aaaaaaaaaaaaaaaaaaaaaaaa.png.png', '.png'])(
    'rejects the file name %s before it reaches any storage',
    (name) => {
      expect(parseImageFileName(name)).toBeUndefined();
    },
  );

  it.each([
    ['bytes=0-3', { start: 0, end: 3 }],
    ['bytes=5-', { start: 5, end: 9 }],
    ['bytes=-4', { start: 6, end: 9 }],
    ['bytes=8-100', { start: 8, end: 9 }],
    ['bytes=10-12', 'unsatisfiable'],
    ['bytes=4-2', 'unsatisfiable'],
    ['bytes=0-1,4-5', undefined],
    ['items=0-1', undefined],
    [undefined, undefined],
  ])('reads Range %s of a 10-byte object as %j', (header, expected) => {
    expect(parseRange(header, 10)).toEqual(expected);
  });
});
