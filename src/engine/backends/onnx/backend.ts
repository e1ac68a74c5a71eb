/**
 * The local model as a NextTokenBackend: Transformers.js + onnxruntime, full vocabulary logits every step, a KV
 * cache per sequence, and every position's logits for analysis.
 */
import type { DynamicCache } from '@huggingface/transformers';
import { untilAborted } from '../abort';
import type { DecodeSequence, NextTokenBackend, ScorePositionsOptions, SequenceStep } from '../types';
import { forward, type ForwardResult } from './forward';
import { loadCausalLM, type LoadedModel, type LoadOptions } from './loadModel';
import { dropPast, keepPast, type OrtTensor } from './pastCache';

/** Gives a sequence's cache to pastCache.ts (a key/value cache only; any other state is disposed). */
function handOver(lm: LoadedModel, ids: readonly number[], cache: DynamicCache): void {
  const entries = Object.entries(cache as unknown as Record<string, { ort_tensor: OrtTensor; dispose(): void }>);
  if (entries.length === 0 || !entries.every(([name]) => /^past_key_values\.\d+\.(key|value)$/.test(name))) {
    void cache.dispose();
    return;
  }
  keepPast(lm, ids, Object.fromEntries(entries.map(([name, t]) => [name.replace('past_key_values', 'present'), t.ort_tensor])));
}

/** Logit floats one scoring chunk may hold by default (~128 MB). */
const LOGIT_FLOAT_BUDGET = 32 * 1024 * 1024;

/**
 * Prefill the whole context once, then feed only the new tokens with the KV cache (or, without the cache, the
 * whole context every step). A pass abandoned by Stop runs to its end in the background: the session cannot be
 * interrupted, and `dispose` waits for it before freeing its cache.
 */
class OnnxSequence implements DecodeSequence {
  private cache: DynamicCache | null = null;
  private cachedLength = 0;
  /** the context the cache covers */
  private cachedIds: readonly number[] = [];
  private inFlight: Promise<ForwardResult> | null = null;

  constructor(
    private readonly lm: LoadedModel,
    private readonly useKvCache: boolean,
  ) {}

  async next(context: readonly number[], signal?: AbortSignal): Promise<SequenceStep> {
    signal?.throwIfAborted();
    const cached = this.useKvCache && this.cache !== null;
    const feed = cached ? context.slice(this.cachedLength) : context;
    const pass = forward(this.lm, feed, cached ? this.cache : null, cached ? this.cachedLength : 0, {
      positions: 'last',
      keepCache: this.useKvCache,
    });
    this.inFlight = pass;
    const result = await untilAborted(pass, signal);
    this.inFlight = null;
    if (this.useKvCache) {
      this.cache = result.cache;
      this.cachedLength = context.length;
      this.cachedIds = context;
    }
    return { scores: { vocabulary: 'full', logits: result.logits }, inputTokens: feed.length };
  }

  async dispose(): Promise<void> {
    const late = this.inFlight ? await this.inFlight.catch(() => null) : null;
    this.inFlight = null;
    if (late?.cache && late.cache !== this.cache) await late.cache.dispose();
    // the finished sequence's cache is kept for an Inside pass over one of its steps (pastCache.ts)
    if (this.cache && !late) handOver(this.lm, this.cachedIds, this.cache);
    else if (this.cache) await this.cache.dispose();
    this.cache = null;
  }
}

export class OnnxBackend implements NextTokenBackend {
  readonly vocabulary = 'full';

  /** `lm` stays reachable for tests that compare against a direct `model.forward`. */
  constructor(readonly lm: LoadedModel) {}

  get info() {
    return this.lm.info;
  }

  get tokenizer() {
    return this.lm.tokenizer;
  }

  openSequence({ useKvCache }: { useKvCache: boolean }): DecodeSequence {
    return new OnnxSequence(this.lm, useKvCache);
  }

  /** Feeds `ids` in chunks of `chunkTokens` positions, carrying the KV cache, so only one chunk's logits exist. */
  async scorePositions(
    ids: readonly number[],
    { from, signal, chunkTokens }: ScorePositionsOptions,
    onRow: (position: number, row: Float32Array) => void,
  ): Promise<void> {
    const chunk = Math.max(1, Math.floor(chunkTokens ?? LOGIT_FLOAT_BUDGET / Math.max(1, this.info.vocabSize)));
    let cache: DynamicCache | null = null;
    try {
      for (let start = 0; start < ids.length; start += chunk) {
        signal?.throwIfAborted();
        const end = Math.min(ids.length, start + chunk);
        const r = await forward(this.lm, ids.slice(start, end), cache, start, { positions: 'all', keepCache: end < ids.length });
        cache = r.cache ?? cache;
        for (let p = Math.max(start, from); p < end; p++) onRow(p, r.logits.subarray((p - start) * r.vocab, (p - start + 1) * r.vocab));
      }
    } finally {
      if (cache) await cache.dispose().catch(() => undefined);
    }
  }

  dispose(): Promise<void> {
    dropPast(this.lm);
    return this.lm.dispose();
  }
}

/** Load a model (see loadCausalLM: same progress, same ModelLoadError messages) as a backend. */
export async function loadOnnxBackend(options: LoadOptions): Promise<OnnxBackend> {
  return new OnnxBackend(await loadCausalLM(options));
}
