/**
 * How Transformers.js runs in the browser here: onnxruntime-web's runtime files are served by the
 * app itself under /ort/ (vite.config.ts copies them from node_modules), never from a CDN, and the
 * embedded models come from the app's own /models/ folder.
 */
import type { env as TransformersEnv } from '@huggingface/transformers';
import { embeddedModelBase } from './modelFiles';

const base = `${import.meta.env.BASE_URL}ort/`;

const ORT_WASM_PATHS = {
  mjs: `${base}ort-wasm-simd-threaded.asyncify.mjs`,
  wasm: `${base}ort-wasm-simd-threaded.asyncify.wasm`,
};

/**
 * WASM threads need cross-origin isolation (SharedArrayBuffer); otherwise one thread. One core is
 * left to the page so the streamed distributions keep rendering smoothly while the model runs.
 */
export function wasmThreads(): number {
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
  if (!isolated) return 1;
  const cores = (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1;
  return Math.max(1, Math.min(4, cores - 1));
}

const noStoreFetch = new WeakSet<object>();

/** Points Transformers.js at the app's own files (runtime and embedded models). Safe to call again. */
export function configureTransformers(env: typeof TransformersEnv, options: { browserCache: boolean }): void {
  env.allowLocalModels = true;
  env.localModelPath = embeddedModelBase();
  env.useBrowserCache = options.browserCache && typeof caches !== 'undefined';
  // Model files are kept in the Cache API, not the HTTP cache: when Transformers.js' range probe and
  // the full download of the same large file overlap, Chromium can fail the download with
  // ERR_CACHE_WRITE_FAILURE.
  if (!noStoreFetch.has(env.fetch)) {
    const fetchFile = env.fetch;
    env.fetch = (input: string | URL, init?: RequestInit) => fetchFile(input, { ...init, cache: 'no-store' });
    noStoreFetch.add(env.fetch);
  }
  const wasm = env.backends.onnx.wasm;
  if (wasm) {
    wasm.wasmPaths = { ...ORT_WASM_PATHS };
    wasm.numThreads = wasmThreads();
  }
}
