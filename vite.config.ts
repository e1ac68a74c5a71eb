/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

// Cross-origin isolation lets onnxruntime-web use SharedArrayBuffer (WASM threads).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The onnxruntime-web runtime files the engine loads (see src/engine/onnxRuntimeFiles.ts). */
export const ORT_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];
const ortDist = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules/onnxruntime-web/dist');

/**
 * Serves onnxruntime-web's .wasm/.mjs from node_modules under /ort/ (dev and preview)
 * and copies them into the build: the app never fetches them from a CDN.
 */
function onnxRuntimeFiles(): Plugin {
  const serve = (req: { url?: string }, res: import('node:http').ServerResponse, next: () => void) => {
    const name = req.url?.split('?')[0].replace(/^.*\/ort\//, '');
    if (!req.url?.includes('/ort/') || !name || !ORT_FILES.includes(name)) return next();
    const file = path.join(ortDist, name);
    res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
    res.setHeader('Content-Length', statSync(file).size);
    for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
    createReadStream(file).pipe(res);
  };
  return {
    name: 'nexttoken-onnxruntime-files',
    configureServer(server) {
      server.middlewares.use(serve);
    },
    generateBundle() {
      for (const name of ORT_FILES) this.emitFile({ type: 'asset', fileName: `ort/${name}`, source: readFileSync(path.join(ortDist, name)) });
    },
  };
}

const benchBuild = process.env.NEXTTOKEN_BENCH === '1';

export default defineConfig({
  plugins: [react(), onnxRuntimeFiles()],
  base: '/',
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web', '@huggingface/transformers'] },
  // `npm run bench` builds the app with its benchmark page into dist-bench/; the app's dist/ has no bench code
  build: benchBuild
    ? { target: 'es2022', chunkSizeWarningLimit: 4096, outDir: 'dist-bench', rollupOptions: { input: { main: 'index.html', bench: 'bench/page/index.html' } } }
    : { target: 'es2022', chunkSizeWarningLimit: 4096 },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
