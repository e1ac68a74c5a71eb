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

/**
 * The Content-Security-Policy: the same as index.html's <meta http-equiv> (which holds on any static host), plus
 * `frame-ancestors`, which only a header can carry. See "Security" in README.md for the policy on user-chosen origins.
 */
const CSP_HEADER = `${readCspMeta()}; frame-ancestors 'none'`;
/**
 * The dev server alone adds what Vite's hot reload needs: React Refresh's inline preamble script, injected
 * <style> tags and the HMR websocket. The production build (`npm run preview`, any static host) never has these.
 */
const DEV_CSP_HEADER = CSP_HEADER.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
  .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
  .replace("connect-src 'self'", "connect-src 'self' ws: wss:");

const securityHeaders = {
  ...isolationHeaders,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** The policy written in index.html's <meta http-equiv="Content-Security-Policy"> (the one place it is spelt). */
function readCspMeta(): string {
  const html = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'index.html'), 'utf8');
  const policy = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
  if (!policy) throw new Error('index.html has no <meta http-equiv="Content-Security-Policy">');
  return policy.replace(/\s+/g, ' ').trim();
}

/**
 * Security headers for the dev and preview servers, and a Content-Type for model files (.onnx, whose type no
 * registry names: application/octet-stream, which nosniff then holds to). The dev server drops index.html's <meta>
 * policy, whose strict script-src would refuse its hot-reload preamble, and sends DEV_CSP_HEADER instead.
 */
function securityPolicy(): Plugin {
  const headers = (csp: string) => (req: { url?: string }, res: import('node:http').ServerResponse, next: () => void) => {
    res.setHeader('Content-Security-Policy', csp);
    for (const [k, v] of Object.entries(securityHeaders)) res.setHeader(k, v);
    if (req.url?.split('?')[0].endsWith('.onnx')) {
      // sirv and Vite's static middleware guess types from the name; they know no .onnx
      const setHeader = res.setHeader.bind(res);
      res.setHeader = (name, value) => setHeader(name, name.toLowerCase() === 'content-type' ? 'application/octet-stream' : value);
      setHeader('Content-Type', 'application/octet-stream');
    }
    next();
  };
  return {
    name: 'nexttoken-security-policy',
    configureServer(server) {
      server.middlewares.use(headers(DEV_CSP_HEADER));
    },
    configurePreviewServer(server) {
      server.middlewares.use(headers(CSP_HEADER));
    },
    transformIndexHtml: {
      order: 'pre',
      handler(html, ctx) {
        return ctx.server ? html.replace(/\s*<meta\s+http-equiv="Content-Security-Policy"[^>]*>/, '') : html;
      },
    },
  };
}

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
    for (const [k, v] of Object.entries(securityHeaders)) res.setHeader(k, v);
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

/** A small asset is inlined as a `data:` URL by default; the worker fetches vocabulary files (`?url`), and the
 * Content-Security-Policy's connect-src does not allow `data:`: every JSON file stays a file. */
const assetsInlineLimit = (file: string) => (file.endsWith('.json') ? false : undefined);

export default defineConfig({
  plugins: [react(), securityPolicy(), onnxRuntimeFiles()],
  base: '/',
  server: { headers: securityHeaders },
  preview: { headers: securityHeaders },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web', '@huggingface/transformers'] },
  // `npm run bench` builds the app with its benchmark page into dist-bench/; the app's dist/ has no bench code
  build: benchBuild
    ? { target: 'es2022', chunkSizeWarningLimit: 4096, assetsInlineLimit, outDir: 'dist-bench', rollupOptions: { input: { main: 'index.html', bench: 'bench/page/index.html' } } }
    : { target: 'es2022', chunkSizeWarningLimit: 4096, assetsInlineLimit },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
