/** This browser's past results, newest first, kept in localStorage. */
export interface GalleryItem {
  id: string;
  url: string;
  kind: 'generate' | 'enhance';
  width: number;
  height: number;
  createdAt: string;
  prompt?: string;
  model?: string;
  style?: string;
  ratio?: string;
  seed?: number;
  negativePrompt?: string;
  provider?: string;
  originalSize?: string;
}

const STORAGE_KEY = 'aiphoto.gallery.v1';
/** Enough history to be useful, small enough for localStorage's few megabytes. */
export const GALLERY_LIMIT = 60;

export function loadGallery(storage: Storage = localStorage): GalleryItem[] {
  try {
    const parsed = JSON.parse(storage.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((item) => item && typeof item.id === 'string' && typeof item.url === 'string') : [];
  } catch {
    return [];
  }
}

function save(items: GalleryItem[], storage: Storage) {
  storage.setItem(STORAGE_KEY, JSON.stringify(items));
}

export function addToGallery(item: GalleryItem, storage: Storage = localStorage): GalleryItem[] {
  const items = [item, ...loadGallery(storage).filter((existing) => existing.id !== item.id)].slice(0, GALLERY_LIMIT);
  save(items, storage);
  return items;
}

export function removeFromGallery(id: string, storage: Storage = localStorage): GalleryItem[] {
  const items = loadGallery(storage).filter((item) => item.id !== id);
  save(items, storage);
  return items;
}

/** Puts an item back where its time places it (Undo after a delete). */
export function restoreToGallery(item: GalleryItem, storage: Storage = localStorage): GalleryItem[] {
  const items = [...loadGallery(storage).filter((existing) => existing.id !== item.id), item]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, GALLERY_LIMIT);
  save(items, storage);
  return items;
}
