import { useEffect, useRef, useState } from 'react';
import type { GalleryItem } from '../lib/gallery.ts';
import type { GenerateSettings } from './GeneratePanel.tsx';

const describe = (item: GalleryItem) => (item.kind === 'generate' ? (item.prompt ?? 'generated image') : `Enhanced ${item.originalSize} → ${item.width}x${item.height}`);

function Details({ item }: { item: GalleryItem }) {
  const rows: [string, string | number | undefined][] =
    item.kind === 'generate'
      ? [
          ['Prompt', item.prompt],
          ['Negative prompt', item.negativePrompt],
          ['Model', item.model],
          ['Style', item.style],
          ['Ratio', item.ratio],
          ['Size', `${item.width}×${item.height}`],
          ['Seed', item.seed],
          ['Provider', item.provider === 'local' ? 'offline renderer' : item.provider],
          ['Made', new Date(item.createdAt).toLocaleString()],
        ]
      : [
          ['Original', item.originalSize],
          ['Enhanced', `${item.width}×${item.height}`],
          ['Made', new Date(item.createdAt).toLocaleString()],
        ];
  return (
    <dl className="details">
      {rows
        .filter(([, value]) => value !== undefined && value !== '')
        .map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
    </dl>
  );
}

/**
 * This browser's results. The viewer shows one large with what made it; Escape, the Close
 * button or a click outside the picture closes it, ← and → move through the list. Deleting
 * removes an image from this list only (the server keeps it until its retention), with Undo.
 */
export function Gallery({
  items,
  onDelete,
  onRestore,
  onReuse,
  retentionDays,
}: {
  items: GalleryItem[];
  onDelete: (item: GalleryItem) => void;
  onRestore: (item: GalleryItem) => void;
  onReuse: (settings: GenerateSettings) => void;
  retentionDays: number | undefined;
}) {
  const [openId, setOpenId] = useState<string | undefined>();
  const [removed, setRemoved] = useState<GalleryItem | undefined>();
  const [copied, setCopied] = useState<string | undefined>();
  const dialog = useRef<HTMLDialogElement>(null);
  const index = items.findIndex((item) => item.id === openId);
  const open = index >= 0 ? items[index] : undefined;

  useEffect(() => {
    if (open && !dialog.current?.open) dialog.current?.showModal?.();
  }, [open]);
  useEffect(() => setCopied(undefined), [openId]);

  const step = (by: number) => {
    if (index < 0 || items.length === 0) return;
    setOpenId(items[(index + by + items.length) % items.length]!.id);
  };
  const copy = (what: string, text: string) => void navigator.clipboard?.writeText(text).then(() => setCopied(what));
  const remove = (item: GalleryItem) => {
    onDelete(item);
    setRemoved(item);
    if (item.id === openId) dialog.current?.close();
  };

  return (
    <section aria-labelledby="gallery-title" className="panel">
      <h2 id="gallery-title">Your images</h2>
      {removed && (
        <p className="notice" role="status">
          Removed “{describe(removed)}” from this list. The image itself stays on the server
          {retentionDays ? ` until it is deleted ${retentionDays} days after it was made` : ' until its retention deletes it'}; anyone with its link can open it until then.{' '}
          <button
            type="button"
            onClick={() => {
              onRestore(removed);
              setRemoved(undefined);
            }}
          >
            Undo
          </button>
        </p>
      )}
      {items.length === 0 ? (
        <p className="muted">Images you make in this browser appear here.</p>
      ) : (
        <ul className="gallery">
          {items.map((item) => (
            <li key={item.id}>
              <button type="button" className="thumb" onClick={() => setOpenId(item.id)} aria-label={`View ${describe(item)} large`}>
                <img src={item.url} alt="" width={item.width} height={item.height} loading="lazy" />
              </button>
              <div className="caption">
                <span className="caption-text">{describe(item)}</span>
                <span className="muted small">
                  {item.kind === 'generate' ? `${item.model} · ${item.style} · ${item.ratio} · ` : ''}
                  <time dateTime={item.createdAt}>{new Date(item.createdAt).toLocaleString()}</time>
                </span>
              </div>
              <button type="button" className="link" onClick={() => remove(item)} aria-label={`Delete ${describe(item)}`}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      {open && (
        <dialog
          ref={dialog}
          className="viewer"
          onClose={() => setOpenId(undefined)}
          aria-label={describe(open)}
          // A click on the backdrop lands on the dialog element itself, outside its content.
          onClick={(event) => {
            if (event.target === dialog.current) dialog.current.close();
          }}
          onKeyDown={(event) => {
            if (event.key === 'ArrowRight') step(1);
            if (event.key === 'ArrowLeft') step(-1);
          }}
        >
          <div className="viewer-body">
            <img src={open.url} alt={describe(open)} width={open.width} height={open.height} />
            <div className="viewer-side">
              <p className="muted small">
                {index + 1} of {items.length}
              </p>
              <Details item={open} />
              <div className="row wrap">
                <a className="button" href={open.url} download>
                  Download
                </a>
                {open.prompt && (
                  <button type="button" onClick={() => copy('prompt', open.prompt!)}>
                    {copied === 'prompt' ? 'Prompt copied' : 'Copy prompt'}
                  </button>
                )}
                <button type="button" onClick={() => copy('link', open.url)}>
                  {copied === 'link' ? 'Link copied' : 'Copy link'}
                </button>
                {open.kind === 'generate' && open.prompt && (
                  <button
                    type="button"
                    onClick={() => {
                      onReuse({
                        prompt: open.prompt!,
                        model: open.model ?? 'flux-pro',
                        style: open.style ?? 'Photorealistic',
                        ratio: open.ratio ?? '1:1',
                        ...(open.seed === undefined ? {} : { seed: open.seed }),
                        ...(open.negativePrompt ? { negativePrompt: open.negativePrompt } : {}),
                      });
                      dialog.current?.close();
                    }}
                  >
                    Use these settings
                  </button>
                )}
                <button type="button" className="link" onClick={() => remove(open)}>
                  Delete
                </button>
              </div>
              <div className="row">
                <button type="button" onClick={() => step(-1)} aria-label="Previous image" disabled={items.length < 2}>
                  ← Previous
                </button>
                <button type="button" onClick={() => step(1)} aria-label="Next image" disabled={items.length < 2}>
                  Next →
                </button>
                <button type="button" onClick={() => dialog.current?.close()}>
                  Close
                </button>
              </div>
            </div>
          </div>
        </dialog>
      )}
    </section>
  );
}
