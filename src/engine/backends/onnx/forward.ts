/**
 * One forward pass of a causal LM through Transformers.js: feed some tokens (a whole prompt or window, or just the
 * newest token when a KV cache is given) and read back the logits of the last position (decoding) or of every fed
 * position (scoring a text), with the updated cache. Decoding and analysis both go through `forward`.
 */
import { DynamicCache, Tensor } from '@huggingface/transformers';
import type { LoadedModel } from './loadModel';

export interface ForwardOptions {
  /** 'last': the logits of the last fed position only; 'all': of every fed position, row after row */
  positions: 'last' | 'all';
  /** false: the pass's cache tensors are dropped and `cache` comes back null */
  keepCache: boolean;
}

export interface ForwardResult {
  /** `rows × vocab` logits (a fresh copy for 'last', safe to keep) */
  logits: Float32Array;
  vocab: number;
  /** The KV cache covering every token so far; null when `keepCache` was false. */
  cache: DynamicCache | null;
}

/** Output names of a cache (present.0.key, …) mapped to the input names the next pass expects (past_key_values.0.key, …). */
function pastName(outputName: string): string {
  return outputName
    .replace('present_ssm', 'past_ssm')
    .replace('present_conv', 'past_conv')
    .replace('present_recurrent', 'past_recurrent')
    .replace('present', 'past_key_values');
}

function isGpuTensor(t: Tensor): boolean {
  return t.location === 'gpu-buffer';
}

/**
 * Run the model on `newIds`, which follow the `pastLength` tokens already in `cache` (pass null and 0 to start).
 * `cache` is updated in place (tensors it no longer needs are disposed) and returned.
 */
export async function forward(
  lm: LoadedModel,
  newIds: readonly number[],
  cache: DynamicCache | null,
  pastLength: number,
  { positions, keepCache }: ForwardOptions,
): Promise<ForwardResult> {
  const n = newIds.length;
  const inputs: Record<string, unknown> = {
    input_ids: new Tensor('int64', BigInt64Array.from(newIds, (id) => BigInt(id)), [1, n]),
    attention_mask: new Tensor('int64', new BigInt64Array(pastLength + n).fill(1n), [1, pastLength + n]),
    past_key_values: cache,
  };
  if (lm.inputNames.includes('num_logits_to_keep')) {
    // 1: only the last position's logits are computed; 0: all of them
    inputs['num_logits_to_keep'] = new Tensor('int64', [positions === 'last' ? 1n : 0n], []);
  }
  const outputs = (await lm.model.forward(inputs)) as Record<string, Tensor>;

  const logitsTensor = outputs['logits'];
  const vocab = logitsTensor.dims[logitsTensor.dims.length - 1];
  const f32 = logitsTensor.type === 'float32' ? logitsTensor : logitsTensor.to('float32');
  const data = f32.data as Float32Array;
  // the last row is the end of the row-major [1, rows, vocab] data: a copy of it, not Tensor.slice's generic walk
  // (a tenth of a millisecond per step at 8k tokens, about 1 ms at 49k)
  const logits = positions === 'last' ? data.slice(data.length - vocab) : isGpuTensor(logitsTensor) ? new Float32Array(data) : data;
  if (isGpuTensor(logitsTensor)) logitsTensor.dispose();

  const entries: Record<string, Tensor> = {};
  for (const name of Object.keys(outputs)) {
    if (name.startsWith('present')) entries[pastName(name)] = outputs[name];
  }
  if (!keepCache) {
    for (const t of Object.values(entries)) if (isGpuTensor(t)) t.dispose();
    return { logits, vocab, cache: null };
  }
  if (cache) {
    cache.update(entries);
    return { logits, vocab, cache };
  }
  return { logits, vocab, cache: new DynamicCache(entries) };
}
