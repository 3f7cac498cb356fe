import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiKeyField } from './components/ApiKeyField.tsx';
import { EnhancePanel } from './components/EnhancePanel.tsx';
import { Gallery } from './components/Gallery.tsx';
import { GeneratePanel, type GenerateSettings } from './components/GeneratePanel.tsx';
import { QuotaMeter } from './components/QuotaMeter.tsx';
import { addToGallery, loadGallery, removeFromGallery, restoreToGallery, type GalleryItem } from './lib/gallery.ts';
import { useTRPC } from './lib/trpc.ts';

export function App() {
  const queryClient = useQueryClient();
  const trpc = useTRPC();
  const catalog = useQuery(trpc.models.queryOptions());
  const [gallery, setGallery] = useState<GalleryItem[]>(() => loadGallery());
  const [reuse, setReuse] = useState<GenerateSettings | undefined>();
  const remember = (item: GalleryItem) => setGallery(addToGallery(item));
  return (
    <>
      <header className="top">
        <div className="brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <h1>AIPhoto</h1>
        </div>
        <QuotaMeter />
      </header>
      <main>
        {/* Before the panels and the gallery: a key is the first thing a pro user sets, and it must not sit after a hundred thumbnails in the tab order. */}
        <ApiKeyField onChange={() => void queryClient.invalidateQueries()} />
        <GeneratePanel onResult={remember} reuse={reuse} />
        <EnhancePanel onResult={remember} />
        <Gallery
          items={gallery}
          onDelete={(item) => setGallery(removeFromGallery(item.id))}
          onRestore={(item) => setGallery(restoreToGallery(item))}
          onReuse={(settings) => {
            setReuse({ ...settings });
            document.getElementById('generate-title')?.scrollIntoView({ block: 'start' });
          }}
          retentionDays={catalog.data?.limits.image_retention_days}
        />
      </main>
      <footer className="muted small">
        <a href="/api/docs">API docs</a> · Images are stored on this service; results from the offline renderer are placeholders, not AI.
      </footer>
    </>
  );
}
