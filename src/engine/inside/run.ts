/**
 * One forward pass over a context that also fetches the graph's internals (graphOutputs.ts), then the Inside
 * panel's numbers for its last position: the logit lens, the attention row of every head, the residual norm.
 * Engine-only (Transformers.js / onnxruntime); the maths is in lens.ts.
 */
import { Tensor } from '@huggingface/transformers';
import type { LoadedModel } from '../backends/onnx/loadModel';
import { namedInternals, type OrtSession } from './graphOutputs';
import { float32Of, l2Norm, lensDistribution, topTokens } from './lens';
import { keepPast, keptPast, type OrtTensor } from '../backends/onnx/pastCache';
import { sessionInternals } from './sessionHook';
import { LENS_TOP, type InsideResult } from './types';

export function decoderSession(lm: LoadedModel): OrtSession | null {
  const sessions = lm.model.sessions as Record<string, OrtSession | undefined>;
  return sessions['model'] ?? sessions['decoder_model_merged'] ?? null;
}

/** The lens's weights, copied out of the graph once per loaded model. */
const lensWeights = new WeakMap<LoadedModel, { norm: Float32Array; head: Float32Array }>();

function configNumber(lm: LoadedModel, ...keys: string[]): number | undefined {
  const config = lm.model.config as unknown as Record<string, unknown>;
  for (const k of keys) if (typeof config[k] === 'number') return config[k];
  return undefined;
}

const int64 = (values: number[]) => new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [1, values.length]).ort_tensor;

/**
 * Runs the pass and reads the internals for the last position of `ids` (cut to the model's window). `reuse: false`
 * runs the whole context, neither using nor keeping the last pass's cache (the benchmark's uncached pass).
 */
export async function runInside(lm: LoadedModel, allIds: readonly number[], { reuse = true }: { reuse?: boolean } = {}): Promise<InsideResult> {
  const started = performance.now();
  const session = decoderSession(lm);
  const ids = allIds.slice(-lm.info.contextWindow);
  const n = ids.length;
  const layers = lm.info.numLayers;
  const heads = configNumber(lm, 'num_attention_heads', 'n_head') ?? 0;
  if (!session || n === 0) throw new Error(n === 0 ? 'The context is empty.' : 'The model has no decoder session.');
  const outputs = sessionInternals(session) ?? namedInternals(session.outputNames, layers);
  const result: InsideResult = {
    modelId: lm.info.modelId,
    positions: n,
    layers,
    heads,
    lensIds: null,
    lensProbs: null,
    finalChoiceProbs: null,
    attention: null,
    residualNorms: null,
    tokenTexts: {},
    unavailable: outputs.unavailable,
    ms: 0,
  };
  if (!outputs.hidden && !outputs.attention) return { ...result, ms: performance.now() - started };

  const kvHeads = configNumber(lm, 'num_key_value_heads') ?? heads;
  const hiddenSize = configNumber(lm, 'hidden_size', 'n_embd') ?? 0;
  const headDim = configNumber(lm, 'head_dim') ?? hiddenSize / Math.max(1, heads);
  // Prefill all but the last token (cache only), then the last token alone with the internals: its attention row
  // and hidden states are all the panel shows, and the runtime copies out [heads, 1, n] instead of [heads, n, n].
  // The prefill starts after the prefix the last pass shares with this context (backends/onnx/pastCache.ts).
  const emptyPast = (lm.info.dtype === 'fp16' ? new Tensor('float16', new Uint16Array(0), [1, kvHeads, 0, headDim]) : new Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim])).ort_tensor;
  const pass = (part: number[], past: number, pastFeeds: Record<string, unknown> | null, fetches: string[]) => {
    const feeds: Record<string, unknown> = {};
    for (const name of session.inputNames) {
      if (name === 'input_ids') feeds[name] = int64(part);
      else if (name === 'attention_mask') feeds[name] = int64(Array.from({ length: past + part.length }, () => 1));
      else if (name === 'position_ids') feeds[name] = int64(part.map((_, i) => past + i));
      else if (name === 'num_logits_to_keep') feeds[name] = new Tensor('int64', [1n], []).ort_tensor;
      else if (name.startsWith('past_key_values')) feeds[name] = pastFeeds?.[name] ?? emptyPast;
      else throw new Error(`The model's graph takes an input the Inside panel does not know how to fill ("${name}").`);
    }
    return session.run(feeds, fetches);
  };
  const presents = session.outputNames.filter((name) => name.startsWith('present'));
  const asPast = (out: Record<string, unknown>) => Object.fromEntries(presents.map((name) => [name.replace('present', 'past_key_values'), out[name]]));
  const dispose = (tensors: Record<string, unknown> | null) => {
    for (const t of Object.values(tensors ?? {})) (t as { dispose?: () => void }).dispose?.();
  };
  const kept = reuse ? await keptPast(lm, ids) : null;
  let past = kept?.feeds ?? null;
  let pastLength = kept?.length ?? 0;
  if (pastLength < n - 1) {
    const prefill = asPast(await pass(ids.slice(pastLength, -1), pastLength, past, presents));
    dispose(past);
    [past, pastLength] = [prefill, n - 1];
  }
  const lens = outputs.hidden ? outputs.lens : null;
  const needWeights = lens !== null && !lensWeights.has(lm);
  const fetches = [...(outputs.hidden ?? []), ...(outputs.attention ?? []), ...(needWeights ? [lens.norm, lens.head] : [])];
  const out = await pass(ids.slice(-1), pastLength, past, [...fetches, ...presents]);
  dispose(past);
  if (reuse) keepPast(lm, ids, Object.fromEntries(presents.map((name) => [name, out[name] as unknown as OrtTensor])));
  else dispose(Object.fromEntries(presents.map((name) => [name, out[name]])));
  const f32 = (name: string) => float32Of(out[name]);
  if (needWeights) lensWeights.set(lm, { norm: new Float32Array(f32(lens.norm)), head: new Float32Array(f32(lens.head)) });

  if (outputs.hidden) {
    const rows = outputs.hidden.map(f32); // [1, 1, hidden]: the last position's
    result.residualNorms = Float32Array.from(rows, l2Norm);
    const weights = lensWeights.get(lm);
    if (weights) {
      const eps = configNumber(lm, 'rms_norm_eps') ?? 1e-6;
      const layout = lens?.headLayout ?? 'vocab-hidden';
      const dists = rows.map((row) => lensDistribution(row, weights.norm, weights.head, eps, layout));
      const tops = dists.map((d) => topTokens(d, LENS_TOP));
      const finalId = tops[layers - 1].ids[0];
      result.lensIds = Int32Array.from(tops.flatMap((t) => t.ids));
      result.lensProbs = Float32Array.from(tops.flatMap((t) => t.probs));
      result.finalChoiceProbs = Float32Array.from(dists, (d) => d[finalId]);
      for (const id of result.lensIds) result.tokenTexts[id] ??= lm.tokenizer.decode([id]);
    }
  }
  if (outputs.attention) {
    // [1, heads, 1, n]: the last position's row of every head
    result.attention = new Float32Array(layers * heads * n);
    outputs.attention.forEach((name, layer) => result.attention!.set(f32(name), layer * heads * n));
  }
  return { ...result, ms: performance.now() - started };
}
