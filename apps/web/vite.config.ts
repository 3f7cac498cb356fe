import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** `pnpm dev`: Vite with hot reload, forwarding API calls to the service on :3000. */
const api = process.env.AIPHOTO_API_URL ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': api,
      '/trpc': api,
      '/images': api,
      '/healthz': api,
    },
  },
  build: { outDir: 'dist', emptyOutDir: true },
});
