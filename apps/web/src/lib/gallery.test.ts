import { beforeEach, describe, expect, it } from 'vitest';
import { GALLERY_LIMIT, addToGallery, loadGallery, removeFromGallery, type GalleryItem } from './gallery.ts';

const item = (id: string): GalleryItem => ({ id, url: `/images/${id}.png`, kind: 'generate', width: 1024, height: 1024, createdAt: new Date().toISOString(), prompt: `p${id}` });

describe('gallery storage', () => {
  beforeEach(() => localStorage.clear());

  it('keeps results newest first across reloads, and deletes them', () => {
    addToGallery(item('a'));
    addToGallery(item('b'));
    expect(loadGallery().map((entry) => entry.id)).toEqual(['b', 'a']);
    removeFromGallery('b');
    expect(loadGallery().map((entry) => entry.id)).toEqual(['a']);
  });

  it(`keeps at most ${GALLERY_LIMIT} items and never duplicates one`, () => {
    for (let i = 0; i < GALLERY_LIMIT + 5; i++) addToGallery(item(String(i)));
    addToGallery(item('10'));
    const ids = loadGallery().map((entry) => entry.id);
    expect(ids).toHaveLength(GALLERY_LIMIT);
    expect(ids[0]).toBe('10');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('survives corrupt storage', () => {
    localStorage.setItem('aiphoto.gallery.v1', '{not json');
    expect(loadGallery()).toEqual([]);
    localStorage.setItem('aiphoto.gallery.v1', '[{"id":1},null,{"id":"x","url":"/images/x.png"}]');
    expect(loadGallery().map((entry) => entry.id)).toEqual(['x']);
  });
});
