import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiKeyField } from './components/ApiKeyField.tsx';
import { EnhancePanel } from './components/EnhancePanel.tsx';
import { Gallery } from './components/Gallery.tsx';
import { GeneratePanel } from './components/GeneratePanel.tsx';
import { QuotaMeter } from './components/QuotaMeter.tsx';
import { addToGallery, loadGallery, removeFromGallery, type GalleryItem } from './lib/gallery.ts';

export function App() {
  const queryClient = useQueryClient();
  const [gallery, setGallery] = useState<GalleryItem[]>(() => loadGallery());
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
        <GeneratePanel onResult={remember} />
        <EnhancePanel onResult={remember} />
        <Gallery items={gallery} onDelete={(id) => setGallery(removeFromGallery(id))} />
        <ApiKeyField onChange={() => void queryClient.invalidateQueries()} />
      </main>
      <footer className="muted small">
        <a href="/api/docs">API docs</a> · Images are stored on this service; results from the offline renderer are placeholders, not AI.
      </footer>
    </>
  );
}
