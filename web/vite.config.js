// The console's islands: one entry, stable file names (the server-rendered pages link them),
// everything local (no CDN).
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // ECharts is most of the bundle; one file keeps the pages simple.
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      input: 'src/console.js',
      output: {
        entryFileNames: 'assets/[name].js',
        chunkFileNames: 'assets/[name].js',
        assetFileNames: 'assets/[name][extname]',
      },
    },
  },
});
