/// <reference lib="webworker" />
/**
 * The bench page's model worker: the embedded model on WASM, in a worker like the app's engine, with no UI events.
 * Runs the app's Generator (distributions, candidates, stored logits), the bare greedy loop, and Transformers.js'
 * text-generation pipeline on the same model files. Answers { id, method, args } with { id, ok, value | error }.
 */
import { loadOnnxBackend, type OnnxBackend } from '../../src/engine/backends/onnx/backend';
import { Generator, bareGreedyDecode } from '../../src/engine/generation/generator';
import { DEFAULT_SAMPLING } from '../../src/engine/sampling/types';
import { configureTransformers, wasmThreads } from '../../src/engine/onnxRuntimeFiles';
import { embeddedModelBase } from '../../src/engine/modelFiles';
import { runInside } from '../../src/engine/inside/run';

declare const self: DedicatedWorkerGlobalScope;

/** The model the methods run: the embedded one, or a benchmark fixture served in the Hub's layout (`useModel`). */
let choice: { modelId: string; remoteHost?: string } = { modelId: 'nexttoken-base' };
let model: Promise<OnnxBackend> | null = null;

async function loadModel(): Promise<OnnxBackend> {
  model ??= (async () => {
    const { env } = await import('@huggingface/transformers');
    configureTransformers(env, { browserCache: false });
    const { modelId, remoteHost } = choice;
    // as the app's engine does: a Hub model is never looked up in the app's folder (which answers index.html)
    env.allowLocalModels = !remoteHost;
    return remoteHost
      ? loadOnnxBackend({ modelId, device: 'wasm', remoteHost, allowRemoteModels: true })
      : loadOnnxBackend({ modelId, device: 'wasm', localModelPath: embeddedModelBase(), allowRemoteModels: false });
  })();
  return model;
}

/** Mean share of a step (and its ms) spent after the forward pass: full-vocabulary sampling and the snapshot. */
function afterForward(steps: { ms: number; forwardMs: number; maskMs: number }[]): { share: number; ms: number } {
  const decode = steps.slice(1);
  if (!decode.length) return { share: NaN, ms: NaN };
  const rest = decode.map((s) => s.ms - s.forwardMs - s.maskMs);
  return { share: rest.reduce((a, r, i) => a + r / decode[i].ms, 0) / decode.length, ms: rest.reduce((a, r) => a + r, 0) / decode.length };
}

/**
 * Decode tokens/s by the clock at which the steps reached the caller, as the app page measures the steps reaching
 * its UI (from the second step to the last): unlike the steps' own times, it counts the loop's work between steps.
 */
function wallDecodeRate(yieldedAt: number[]): number {
  const n = yieldedAt.length;
  return n > 2 ? ((n - 2) * 1000) / (yieldedAt[n - 1] - yieldedAt[1]) : 0;
}

/** Other model folders served next to the embedded one (the inside suite's decoding-only copy of its graph). */
const others = new Map<string, Promise<OnnxBackend>>();
function loadOther(modelId: string): Promise<OnnxBackend> {
  if (modelId === 'nexttoken-base') return loadModel();
  if (!others.has(modelId)) others.set(modelId, loadOnnxBackend({ modelId, device: 'wasm', localModelPath: embeddedModelBase(), allowRemoteModels: false }));
  return others.get(modelId)!;
}

let pipe: Promise<unknown> | null = null;

const methods = {
  /** Runs the following calls on another model: a fixture served in the Hub's layout at `remoteHost`. */
  async useModel(modelId: string, remoteHost: string) {
    const previous = model;
    choice = { modelId, remoteHost };
    model = null;
    if (previous) await (await previous).dispose();
    return methods.modelFacts();
  },

  async modelFacts() {
    const lm = await loadModel();
    return { ...lm.info, threads: wasmThreads() };
  },

  /** The first `n` token ids of a text under the embedded model's tokenizer, and their text. */
  async promptOf(text: string, n: number) {
    const lm = await loadModel();
    const ids = lm.tokenizer.encode(text, { add_special_tokens: false }).slice(0, n);
    return { ids, text: lm.tokenizer.decode(ids) };
  },

  /**
   * The app's own loop (per-step distributions, candidates, stored logits), not stopping at EOS: greedy, or with the
   * app's default settings (`sampled`: temperature 1 over the whole vocabulary). `afterForward`: what each decode
   * step spent after the forward pass (sampling and the snapshot), as a share of the step and in ms.
   */
  async generatorRun(promptIds: number[], steps: number, useKvCache: boolean, sampled = false) {
    const lm = await loadModel();
    const settings = sampled ? DEFAULT_SAMPLING : { ...DEFAULT_SAMPLING, temperature: 0 };
    const it = new Generator(lm).generate(promptIds, { settings, maxNewTokens: steps, useKvCache, stopOnEos: false });
    const seen: { ms: number; forwardMs: number; maskMs: number }[] = [];
    const yieldedAt: number[] = [];
    let next = await it.next();
    while (!next.done) {
      yieldedAt.push(performance.now());
      seen.push({ ms: next.value.ms, forwardMs: next.value.forwardMs, maskMs: next.value.maskMs });
      next = await it.next();
    }
    return {
      tokens: next.value.tokenIds.length,
      ttftMs: next.value.ttftMs,
      tokensPerSecond: next.value.decodeTokensPerSecond,
      wallTokensPerSecond: wallDecodeRate(yieldedAt),
      afterForward: afterForward(seen),
    };
  },

  /**
   * The app's loop with a grammar mask at every step (XGrammar, compiled in this worker), against which the
   * unconstrained `generatorRun` is compared. The grammar admits any run of letters, digits, spaces and punctuation
   * and never the end-of-sequence token (the vocabulary is given no stop token), so both runs take `steps` steps.
   */
  async constrainedRun(promptIds: number[], steps: number) {
    const lm = await loadModel();
    const { ConstraintCompiler } = await import('../../src/engine/grammar/compile');
    const { grammarVocabularyOf } = await import('../../src/engine/grammar/vocabulary');
    const t0 = performance.now();
    const compiler = await ConstraintCompiler.create(grammarVocabularyOf(lm.tokenizer, lm.info.vocabSize, []));
    const constraint = await compiler.compile({ kind: 'grammar', text: String.raw`root ::= [a-zA-Z0-9 ,.;:!?'\n-]+` });
    const compileMs = performance.now() - t0;
    const it = new Generator(lm).generate(promptIds, { settings: { ...DEFAULT_SAMPLING, temperature: 0 }, maxNewTokens: steps, stopOnEos: false, constraint });
    let next = await it.next();
    let maskMs = 0;
    while (!next.done) {
      maskMs += next.value.maskMs;
      next = await it.next();
    }
    compiler.dispose();
    const tokens = next.value.tokenIds.length;
    return { tokens, ttftMs: next.value.ttftMs, tokensPerSecond: next.value.decodeTokensPerSecond, compileMs, maskMsPerStep: tokens ? maskMs / tokens : 0 };
  },

  /** Prefill + argmax only, same model. */
  async bareRun(promptIds: number[], steps: number) {
    const lm = await loadModel();
    const r = await bareGreedyDecode(lm, promptIds, steps);
    return { tokens: r.tokenIds.length, ttftMs: r.prefillMs, tokensPerSecond: r.decodeTokensPerSecond };
  },

  /** The bare greedy loop on another model folder (or the embedded one), for graph-against-graph comparisons. */
  async bareRunOn(modelId: string, promptIds: number[], steps: number) {
    const r = await bareGreedyDecode(await loadOther(modelId), promptIds, steps);
    return { tokens: r.tokenIds.length, ttftMs: r.prefillMs, tokensPerSecond: r.decodeTokensPerSecond };
  },

  /** The Inside panel's engine pass (one forward over the context with the internals, then the lens); `reuse`: with
   * the cache of the previous pass's shared prefix (the app's default), else over the whole context. */
  async insideRun(ids: number[], reuse = false) {
    const lm = await loadModel();
    const r = await runInside(lm.lm, ids, { reuse });
    return { ms: r.ms, positions: r.positions, layers: r.layers };
  },

  /** Transformers.js' text-generation pipeline on the same model files, greedy, exactly `steps` new tokens. */
  async pipelineRun(promptIds: number[], steps: number, useCache: boolean) {
    const tf = await import('@huggingface/transformers');
    configureTransformers(tf.env, { browserCache: false });
    pipe ??= tf.pipeline('text-generation', 'nexttoken-base', { device: 'wasm', dtype: 'fp32' });
    const generator = (await pipe) as unknown as {
      tokenizer: { decode(ids: number[]): string };
      (text: string, options: Record<string, unknown>): Promise<unknown>;
    };
    const stamps: number[] = [];
    class Stamp extends tf.BaseStreamer {
      put(): void {
        stamps.push(performance.now());
      }
      end(): void {}
    }
    const text = generator.tokenizer.decode(promptIds);
    const t0 = performance.now();
    await generator(text, { max_new_tokens: steps, min_new_tokens: steps, do_sample: false, use_cache: useCache, add_special_tokens: false, streamer: new Stamp() });
    // the streamer gets the prompt first, then one call per new token
    const gen = stamps.slice(1);
    const ttftMs = gen.length ? gen[0] - t0 : 0;
    const tokensPerSecond = gen.length > 1 ? ((gen.length - 1) * 1000) / (gen[gen.length - 1] - gen[0]) : 0;
    return { tokens: gen.length, ttftMs, tokensPerSecond };
  },
};

self.onmessage = async (e: MessageEvent<{ id: number; method: keyof typeof methods; args: unknown[] }>) => {
  const { id, method, args } = e.data;
  try {
    const fn = methods[method] as (...a: unknown[]) => Promise<unknown>;
    self.postMessage({ id, ok: true, value: await fn(...args) });
  } catch (err) {
    self.postMessage({ id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
};
