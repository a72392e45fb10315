import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by Tornado at /admin/ (server/admin.py): hashed files under /admin/assets/
// get a one-year cache, index.html is served for every other /admin/* path.
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    // `npm run dev` proxies the API to a locally running server (python -m server run).
    proxy: { '/api': process.env.API_URL || 'http://127.0.0.1:8000' },
  },
  test: {
    environment: 'node',
    include: ['tests/**/*.test.js'],
    env: { TZ: 'UTC' },
  },
});
