/**
 * The KV cache of the last context the model ran over (a finished generation's, or the Inside pass's), per loaded
 * model, so that the Inside pass feeds only what differs: opening the panel on a step of the run just generated, or
 * reopening it on the same step, runs one token, instead of the whole context.
 * The keys and values of a position depend only on the tokens up to it (causal attention), so a cache cut to the
 * common prefix is exactly the cache of that prefix. One context per model (the model's KV for it: 650 KB for the
 * embedded model's full window), replaced by the next one and gone with the model; the panel's own data (the lens,
 * the attention) is still dropped when it closes.
 */
import { Tensor } from '@huggingface/transformers';
import type { LoadedModel } from './loadModel';

/** An onnxruntime tensor as the session gives it back (CPU data, or a GPU buffer to download). */
export interface OrtTensor {
  dims: readonly number[];
  type: string;
  getData(): Promise<unknown>;
  dispose(): void;
}

interface Kept {
  ids: number[];
  /** `present.*` of a pass over `ids`: `[1, kvHeads, ids.length, headDim]` each */
  present: Record<string, OrtTensor>;
}

const kept = new WeakMap<LoadedModel, Kept>();

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** A `[1, heads, T, d]` tensor cut to its first `length` positions (a new CPU tensor). */
async function cut(t: OrtTensor, length: number): Promise<unknown> {
  const [, heads, total, d] = t.dims;
  const data = (await t.getData()) as Float32Array | Uint16Array;
  const out = new (data.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(heads * length * d);
  for (let h = 0; h < heads; h++) out.set(data.subarray(h * total * d, h * total * d + length * d), h * length * d);
  return new Tensor(t.type as 'float32', out as Float32Array, [1, heads, length, d]).ort_tensor;
}

/**
 * The past (`past_key_values.*` feeds) for the longest prefix of `ids` the kept context shares, at most
 * `ids.length - 1` tokens (the last one is always run, with the internals); null when nothing is shared.
 */
export async function keptPast(lm: LoadedModel, ids: readonly number[]): Promise<{ length: number; feeds: Record<string, unknown> } | null> {
  const k = kept.get(lm);
  if (!k) return null;
  const length = Math.min(commonPrefix(k.ids, ids), ids.length - 1);
  if (length === 0) return null;
  const feeds: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(k.present)) feeds[name.replace('present', 'past_key_values')] = await cut(t, length);
  return { length, feeds };
}

/** Keeps the `present.*` tensors of a pass over `ids` (the previous context's are disposed). */
export function keepPast(lm: LoadedModel, ids: readonly number[], present: Record<string, OrtTensor>): void {
  dropPast(lm);
  kept.set(lm, { ids: [...ids], present });
}

/** Forgets the kept context of `lm`. */
export function dropPast(lm: LoadedModel): void {
  const k = kept.get(lm);
  if (!k) return;
  kept.delete(lm);
  for (const t of Object.values(k.present)) t.dispose();
}
