/**
 * How Transformers.js runs in the browser here: onnxruntime-web's runtime files are served by the
 * app itself under /ort/ (vite.config.ts copies them from node_modules), never from a CDN, and the
 * embedded models come from the app's own /models/ folder.
 */
import type { env as TransformersEnv } from '@huggingface/transformers';
import { embeddedModelBase } from './modelFiles';
import { noteLoadFault, stalledHost } from './loadFaults';

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
    env.fetch = (input: string | URL, init?: RequestInit) => guardedFetch(fetchFile, input, { ...init, cache: 'no-store' });
    noStoreFetch.add(env.fetch);
  }
  // Transformers.js would copy the runtime's .mjs into a blob: URL to import it from its cache; the app's
  // Content-Security-Policy (index.html) allows scripts from its own origin only, so the runtime is imported from
  // /ort/ as served (the browser's HTTP cache keeps it).
  env.useWasmCache = false;
  const wasm = env.backends.onnx.wasm;
  if (wasm) {
    wasm.wasmPaths = { ...ORT_WASM_PATHS };
    wasm.numThreads = wasmThreads();
  }
}

/** A download that receives no bytes for this long fails, naming the host (a host can accept and never answer). */
export const LOAD_STALL_MS = 20_000;

/** Thrown into a model load whose host went silent. */
export class LoadStalledError extends Error {
  constructor(readonly host: string) {
    super(`${host} sent nothing for ${LOAD_STALL_MS / 1000} s`);
    this.name = 'LoadStalledError';
  }
}

/** A file whose body ended early. */
class TruncatedFileError extends Error {
  constructor(url: string, received: number, expected: number) {
    super(`${url} ended after ${received} of ${expected} bytes`);
    this.name = 'TruncatedFileError';
  }
}

/**
 * Reads the runtime's files (.mjs, .wasm) through the load's fetch before onnxruntime imports them itself, so that a
 * runtime file that fails, stalls or arrives cut short is reported as such (onnxruntime would say only "no available
 * backend found"), within the load's stall limit. Once per worker: afterwards the runtime is running.
 */
let runtimeChecked = false;

export async function checkRuntimeFiles(): Promise<void> {
  if (runtimeChecked) return;
  for (const url of [ORT_WASM_PATHS.mjs, ORT_WASM_PATHS.wasm]) {
    const response = await guardedFetch((i, init) => fetch(i, init), url, {});
    if (!response.ok) {
      if (response.status === 404) noteLoadFault({ kind: 'http', url, status: 404 });
      throw new Error(`HTTP ${response.status} for ${url}`);
    }
    await response.arrayBuffer();
  }
  runtimeChecked = true;
}

/** The load in progress: its files are fetched under its signal (Cancel) and its stall watch. */
let currentLoad: AbortSignal | null = null;

/** Fetches made by Transformers.js from now on belong to this load (null: none). */
export function guardLoad(signal: AbortSignal | null): void {
  currentLoad = signal;
}

type FetchFile = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The load's fetch: aborted with the load, and failed with LoadStalledError when neither the answer nor any bytes of
 * its body arrive for LOAD_STALL_MS.
 */
async function guardedFetch(fetchFile: FetchFile, input: string | URL, init: RequestInit): Promise<Response> {
  const load = currentLoad;
  if (!load) return fetchFile(input, init);
  const host = new URL(String(input), self.location?.href).host;
  // Transformers.js asks again after a failed probe (e.g. a size query, then the download): a host that went silent
  // once in this load fails its next files at once, so the load fails within the limit, not twice it
  if (stalledHost(host)) throw new LoadStalledError(host);
  const abort = new AbortController();
  const onLoadAbort = () => abort.abort(load.reason);
  load.addEventListener('abort', onLoadAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      // Transformers.js reads a failed local file as "not found": the fault is kept for the load's message
      noteLoadFault({ kind: 'stalled', url: String(input), seconds: LOAD_STALL_MS / 1000 });
      abort.abort(new LoadStalledError(host));
    }, LOAD_STALL_MS);
  };
  const done = () => {
    clearTimeout(timer);
    load.removeEventListener('abort', onLoadAbort);
  };
  watch();
  const url = String(input);
  let response: Response;
  try {
    response = await fetchFile(input, { ...init, signal: abort.signal });
  } catch (err) {
    done();
    if (abort.signal.aborted) throw abort.signal.reason;
    noteLoadFault({ kind: 'unreachable', url });
    throw err;
  }
  if (response.status >= 400 && response.status !== 404) noteLoadFault({ kind: 'http', url, status: response.status });
  if (!response.body) {
    done();
    return response;
  }
  // a body that ends before its Content-Length (the server stopped sending) is cut, whatever the browser makes of it
  const length = response.headers.get('content-encoding') ? null : Number(response.headers.get('content-length') ?? NaN);
  const expected = length !== null && Number.isFinite(length) ? length : null;
  let received = 0;
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: finished, value } = await reader.read();
        if (finished) {
          done();
          if (expected !== null && received < expected) {
            noteLoadFault({ kind: 'truncated', url, received, expected });
            controller.error(new TruncatedFileError(url, received, expected));
            return;
          }
          controller.close();
          return;
        }
        received += value.byteLength;
        watch();
        controller.enqueue(value);
      } catch (err) {
        done();
        if (!abort.signal.aborted) noteLoadFault({ kind: 'truncated', url, received, expected });
        controller.error(abort.signal.aborted ? abort.signal.reason : err);
      }
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
