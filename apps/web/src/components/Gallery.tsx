import { useEffect, useRef, useState } from 'react';
import type { GalleryItem } from '../lib/gallery.ts';

export function Gallery({ items, onDelete }: { items: GalleryItem[]; onDelete: (id: string) => void }) {
  const [open, setOpen] = useState<GalleryItem | undefined>();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (open) dialog.current?.showModal?.();
  }, [open]);
  return (
    <section aria-labelledby="gallery-title" className="panel">
      <h2 id="gallery-title">Your images</h2>
      {items.length === 0 ? (
        <p className="muted">Images you make in this browser appear here.</p>
      ) : (
        <ul className="gallery">
          {items.map((item) => (
            <li key={item.id}>
              <button type="button" className="thumb" onClick={() => setOpen(item)} aria-label={`View ${item.prompt ?? 'enhanced image'} large`}>
                <img src={item.url} alt="" width={item.width} height={item.height} loading="lazy" />
              </button>
              <div className="caption">
                <span className="caption-text">{item.kind === 'generate' ? item.prompt : `Enhanced ${item.originalSize} → ${item.width}x${item.height}`}</span>
                <span className="muted small">
                  {item.kind === 'generate' ? `${item.model} · ${item.style} · ${item.ratio} · ` : ''}
                  <time dateTime={item.createdAt}>{new Date(item.createdAt).toLocaleString()}</time>
                </span>
              </div>
              <button type="button" className="link" onClick={() => onDelete(item.id)} aria-label={`Delete ${item.prompt ?? 'enhanced image'}`}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      {open && (
        <dialog ref={dialog} className="viewer" onClose={() => setOpen(undefined)} aria-label="Image">
          <img src={open.url} alt={open.prompt ?? 'Enhanced image'} width={open.width} height={open.height} />
          <form method="dialog">
            <button type="submit">Close</button>
          </form>
        </dialog>
      )}
    </section>
  );
}
