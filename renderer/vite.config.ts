/**
 * Builds the renderer into dist/renderer for both hosts: Electron serves it from app://caretwin/ and the
 * web host from http://127.0.0.1:PORT/, hence relative asset URLs. The output must pass a CSP without
 * 'unsafe-inline': no inline scripts or styles, no data: URLs for assets.
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    // The polyfill is an inline script; the browsers we run in support modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'es2023',
  },
});
