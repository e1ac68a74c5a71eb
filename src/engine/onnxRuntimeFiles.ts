/**
 * onnxruntime-web's runtime files are served by the app itself under /ort/
 * (vite.config.ts copies them from node_modules), never from a CDN.
 */
const base = `${import.meta.env.BASE_URL}ort/`;

export const ORT_WASM_PATHS = {
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
