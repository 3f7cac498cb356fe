import fs from 'node:fs';
import path from 'node:path';
import { IMAGE_FORMATS, newImageId, type ImageExtension, type ImageStorage } from './image-storage.ts';

/** Images as files under `<dataDir>/images`, written to a temporary name and renamed into place. */
export class LocalImageStorage implements ImageStorage {
  private readonly directory: string;

  constructor(dataDir: string) {
    this.directory = path.join(dataDir, 'images');
    fs.mkdirSync(this.directory, { recursive: true });
  }

  async save(bytes: Uint8Array, ext: ImageExtension) {
    const id = newImageId();
    const fileName = `${id}.${ext}`;
    const finalPath = path.join(this.directory, fileName);
    const temporaryPath = `${finalPath}.partial`;
    const handle = await fs.promises.open(temporaryPath, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temporaryPath, finalPath);
    return { id, ext, fileName, contentType: IMAGE_FORMATS[ext], size: bytes.byteLength };
  }

  async open(id: string, ext: ImageExtension) {
    const filePath = path.join(this.directory, `${id}.${ext}`);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(filePath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return {
      size: stat.size,
      contentType: IMAGE_FORMATS[ext],
      etag: `"${id}"`,
      lastModified: stat.mtime,
      body: fs.createReadStream(filePath),
    };
  }
}
