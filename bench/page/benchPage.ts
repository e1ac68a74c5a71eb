/**
 * The benchmark page (bench/page/index.html, built by Vite with the app): exposes `window.ntBench`, which the suites
 * in bench/suites/ call through Playwright.
 * Everything here runs in one page, so the app's own paths and the plain libraries share the same browser,
 * the same moment and the same noise:
 *  - the app's tokenizer path: the real engine worker through `engine.request`, including the transfer back;
 *  - plain tokenizer libraries called directly (gpt-tokenizer; @huggingface/tokenizers, which Transformers.js uses);
 *  - the embedded model on WASM, in a worker of this page as in the app (benchModelWorker.ts): the app's Generator,
 *    the bare greedy loop, and Transformers.js' pipeline.
 */
import { engine } from '../../src/state/engineClient';
import { HF_PACKAGE_FILES, type HfBuiltinId } from '../../src/engine/tokenizers/sources';
import { browserSource } from '../../src/engine/tokenizers/browserSources';
import { mixedText } from '../../src/engine/tokenizers/testCorpus';
import { wasmThreads } from '../../src/engine/onnxRuntimeFiles';

const OPENAI_PLAIN = {
  o200k_base: () => import('gpt-tokenizer/encoding/o200k_base'),
  cl100k_base: () => import('gpt-tokenizer/encoding/cl100k_base'),
  r50k_base: () => import('gpt-tokenizer/encoding/r50k_base'),
} as const;

type Encode = (text: string) => number;

const plainEncoders = new Map<string, Encode>();

/** The fastest plain library for a tokenizer id, returning the token count. */
async function plainEncoder(id: string): Promise<Encode> {
  const have = plainEncoders.get(id);
  if (have) return have;
  let encode: Encode;
  if (id in OPENAI_PLAIN) {
    const mod = await OPENAI_PLAIN[id as keyof typeof OPENAI_PLAIN]();
    encode = (text) => mod.encode(text, { allowedSpecial: new Set(), disallowedSpecial: new Set() }).length;
  } else {
    const { Tokenizer } = await import('@huggingface/tokenizers');
    const pkg = HF_PACKAGE_FILES[id as HfBuiltinId];
    if (!pkg) throw new Error(`No plain library for tokenizer "${id}".`);
    const [json, config] = await Promise.all([browserSource(`${pkg}/models/tokenizer.json`), browserSource(`${pkg}/models/tokenizer_config.json`)]);
    const tok = new Tokenizer(json as never, config as never);
    encode = (text) => tok.encode(text, { add_special_tokens: false }).ids.length;
  }
  plainEncoders.set(id, encode);
  return encode;
}

let nextTextId = 1;

/**
 * One tokenize request through the app's engine client; resolves when the payload is back on this thread.
 * `parallel` false: on the engine worker alone (the one-core figure), else split across the helpers as the app does.
 */
async function tokenizeViaApp(tokenizerId: string, text: string, parallel = true): Promise<{ ms: number; workerMs: number; tokens: number; reencoded: [number, number]; parts: number }> {
  const started = performance.now();
  const r = await engine.request({ type: 'tokenize', requestId: nextTextId++, tokenizerId, change: { text }, specialTokens: false, parallel });
  return { ms: performance.now() - started, workerMs: r.ms, tokens: r.tokenCount, reencoded: r.reencoded, parts: r.parts };
}

/** Variants of a text that differ in the first and last character: the worker's incremental session must re-encode all of it. */
function variant(text: string, i: number): string {
  const c = String.fromCharCode(65 + (i % 26));
  return c + text.slice(1, -1) + c;
}

/** Model runs happen in a worker of this page, as they do in the app (WASM threads, no main-thread contention). */
const modelWorker = new Worker(new URL('./benchModelWorker.ts', import.meta.url), { type: 'module', name: 'nexttoken-bench-model' });
let nextCall = 1;
const calls = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
modelWorker.onmessage = (e: MessageEvent<{ id: number; ok: boolean; value?: unknown; error?: string }>) => {
  const c = calls.get(e.data.id);
  calls.delete(e.data.id);
  if (e.data.ok) c?.resolve(e.data.value);
  else c?.reject(new Error(e.data.error));
};
function callModel<T>(method: string, ...args: unknown[]): Promise<T> {
  const id = nextCall++;
  return new Promise<T>((resolve, reject) => {
    calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
    modelWorker.postMessage({ id, method, args });
  });
}

const api = {
  ready: true,
  threads: () => wasmThreads(),
  crossOriginIsolated: () => crossOriginIsolated,
  mixedText: (bytes: number, seed = 4) => mixedText(bytes, seed),

  /** Loads every tokenizer (app worker and plain library) once, so the timed runs measure encoding only. */
  async warmTokenizer(id: string): Promise<void> {
    await tokenizeViaApp(id, 'warm up');
    (await plainEncoder(id))('warm up');
    // a large text makes the worker's helpers load the tokenizer (in the background): wait until they take parts
    const large = texts.get('english');
    if (!large || navigator.hardwareConcurrency < 2) return;
    for (let i = 0; i < 60; i++) {
      if ((await tokenizeViaApp(id, variant(large, i))).parts > 1) return;
      await new Promise((res) => setTimeout(res, 500));
    }
  },

  /** MB/s of the app path and the plain library, alternating reps so drift hits both alike. */
  async tokenizeThroughput(id: string, textKey: string, reps: number) {
    const text = texts.get(textKey);
    if (!text) throw new Error(`No text "${textKey}" was stored.`);
    const encode = await plainEncoder(id);
    const mb = new TextEncoder().encode(text).length / 1e6;
    const app: number[] = [];
    const appWorker: number[] = [];
    const single: number[] = [];
    const singleWorker: number[] = [];
    const plain: number[] = [];
    let tokens = 0;
    let plainTokens = 0;
    let parts = 1;
    let fullReencode = true;
    let sameTokens = true;
    for (let i = 0; i < reps; i++) {
      const v = variant(text, i);
      const one = await tokenizeViaApp(id, v, false);
      single.push(mb / (one.ms / 1000));
      singleWorker.push(mb / (one.workerMs / 1000));
      await new Promise((res) => setTimeout(res, 0));
      // the same text again would be no change: the next variant, which differs at both ends
      const r = await tokenizeViaApp(id, variant(text, i + 1000));
      app.push(mb / (r.ms / 1000));
      appWorker.push(mb / (r.workerMs / 1000));
      tokens = r.tokens;
      parts = Math.max(parts, r.parts);
      sameTokens &&= r.tokens === one.tokens;
      fullReencode &&= r.reencoded[0] === 0 && r.reencoded[1] >= r.tokens - 1 && one.reencoded[0] === 0 && one.reencoded[1] >= one.tokens - 1;
      await new Promise((res) => setTimeout(res, 0));
      const t0 = performance.now();
      plainTokens = encode(v);
      plain.push(mb / ((performance.now() - t0) / 1000));
      await new Promise((res) => setTimeout(res, 0));
    }
    return { mb, app, appWorker, single, singleWorker, plain, tokens, plainTokens, parts, fullReencode, sameTokens };
  },

  modelFacts: () => callModel<ModelFacts>('modelFacts'),
  /** Later model calls run this model (a benchmark fixture in the Hub's layout at `remoteHost`). */
  useModel: (modelId: string, remoteHost: string) => callModel<ModelFacts>('useModel', modelId, remoteHost),
  promptOf: (text: string, n: number) => callModel<{ ids: number[]; text: string }>('promptOf', text, n),
  generatorRun: (promptIds: number[], steps: number, useKvCache: boolean, sampled = false) =>
    callModel<RunFigures & { wallTokensPerSecond: number; afterForward: { share: number; ms: number } }>('generatorRun', promptIds, steps, useKvCache, sampled),
  bareRun: (promptIds: number[], steps: number) => callModel<RunFigures>('bareRun', promptIds, steps),
  constrainedRun: (promptIds: number[], steps: number) => callModel<RunFigures & { compileMs: number; maskMsPerStep: number }>('constrainedRun', promptIds, steps),
  bareRunOn: (modelId: string, promptIds: number[], steps: number) => callModel<RunFigures>('bareRunOn', modelId, promptIds, steps),
  insideRun: (ids: number[], reuse = false) => callModel<{ ms: number; positions: number; layers: number }>('insideRun', ids, reuse),
  pipelineRun: (promptIds: number[], steps: number, useCache = true) => callModel<RunFigures>('pipelineRun', promptIds, steps, useCache),

  storeText(key: string, text: string): number {
    texts.set(key, text);
    return text.length;
  },
};

interface ModelFacts {
  contextWindow: number;
  vocabSize: number;
  threads: number;
  modelId: string;
}

interface RunFigures {
  tokens: number;
  ttftMs: number;
  tokensPerSecond: number;
}
const texts = new Map<string, string>();

declare global {
  interface Window {
    ntBench: typeof api;
  }
}
window.ntBench = api;
