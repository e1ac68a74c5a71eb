/**
 * One forward pass of a causal LM, as the generation loop needs it: feed some tokens (the whole prompt for a
 * prefill, or just the newest token when a KV cache is given), get back the logits of the last position and the
 * updated cache.
 */
import { DynamicCache, Tensor } from '@huggingface/transformers';
import type { LoadedModel } from './loadModel';

export interface ForwardResult {
  /** Logits for the token after the last one fed (a fresh copy, safe to keep). */
  logits: Float32Array;
  /** The KV cache covering every token so far; null when `keepCache` was false. */
  cache: DynamicCache | null;
}

/** Output names of a cache (present.0.key, …) mapped to the input names the next pass expects (past_key_values.0.key, …). */
export function pastName(outputName: string): string {
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
export async function forwardLast(
  lm: LoadedModel,
  newIds: ArrayLike<number>,
  cache: DynamicCache | null,
  pastLength: number,
  keepCache: boolean,
): Promise<ForwardResult> {
  const n = newIds.length;
  const inputs: Record<string, unknown> = {
    input_ids: new Tensor('int64', BigInt64Array.from(Array.from(newIds, (id) => BigInt(id))), [1, n]),
    attention_mask: new Tensor('int64', new BigInt64Array(pastLength + n).fill(1n), [1, pastLength + n]),
    past_key_values: cache,
  };
  if (lm.inputNames.includes('num_logits_to_keep')) {
    inputs['num_logits_to_keep'] = new Tensor('int64', [1n], []);
  }
  const outputs = (await lm.model.forward(inputs)) as Record<string, Tensor>;

  const logitsTensor = outputs['logits'];
  const last = logitsTensor.slice(null, -1, null);
  const lastF32 = last.type === 'float32' ? last : last.to('float32');
  const logits = new Float32Array(lastF32.data as Float32Array);
  if (isGpuTensor(logitsTensor)) logitsTensor.dispose();

  const entries: Record<string, Tensor> = {};
  for (const name of Object.keys(outputs)) {
    if (name.startsWith('present')) entries[pastName(name)] = outputs[name];
  }
  if (!keepCache) {
    for (const t of Object.values(entries)) if (isGpuTensor(t)) t.dispose();
    return { logits, cache: null };
  }
  if (cache) {
    cache.update(entries);
    return { logits, cache };
  }
  return { logits, cache: new DynamicCache(entries) };
}
