/**
 * Expectations for the Generate lab, computed in the test process (Node) with Transformers.js on
 * onnxruntime-node from the same model folder the app serves (public/models/). Nothing here imports the app's
 * engine: the loop below is a plain "forward the whole sequence, take the argmax" loop, and the softmax is done in
 * float64, so a bug in the app's generator or sampling code cannot hide in its own expectation.
 */
import { fileURLToPath } from 'node:url';
import { AutoConfig, AutoModelForCausalLM, AutoTokenizer, Tensor, env, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';

export const MODELS_DIR = fileURLToPath(new URL('../../public/models', import.meta.url));
export const EMBEDDED_MODEL = 'nexttoken-base';

export interface Reference {
  /** Prompt ids as the app tokenizes them (the tokenizer's special tokens, e.g. BOS, included by default). */
  encode(text: string, addSpecialTokens?: boolean): number[];
  /** The text of one token (special tokens written out). */
  decode(id: number): string;
  /** Logits of the token after `ids`, from one forward pass over the whole sequence (no KV cache). */
  nextLogits(ids: number[]): Promise<Float32Array>;
  /** Greedy continuation of `ids`: the argmax at every step, stopping after an end-of-sequence token or `n` tokens. */
  greedy(ids: number[], n: number): Promise<number[]>;
  eosTokenIds: number[];
}

let loading: Promise<Reference> | null = null;

/** The embedded model in Node (loaded once per test worker). */
export function reference(): Promise<Reference> {
  loading ??= load();
  return loading;
}

function numbers(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
}

async function load(): Promise<Reference> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${MODELS_DIR}/`;
  const config = (await AutoConfig.from_pretrained(EMBEDDED_MODEL)) as unknown as Record<string, unknown>;
  const tokenizer: PreTrainedTokenizer = await AutoTokenizer.from_pretrained(EMBEDDED_MODEL);
  // one thread: the browser under test needs the (shared) cores more than these few reference passes do
  const model: PreTrainedModel = await AutoModelForCausalLM.from_pretrained(EMBEDDED_MODEL, {
    device: 'cpu',
    dtype: 'fp32',
    session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 },
  });
  const eosTokenIds = [...new Set([...numbers(config['eos_token_id']), ...numbers(model.generation_config?.eos_token_id)])];

  async function nextLogits(ids: number[]): Promise<Float32Array> {
    const out = await model.forward({
      input_ids: new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
    });
    const logits = out.logits as Tensor;
    const vocab = logits.dims[2];
    return (logits.data as Float32Array).slice((ids.length - 1) * vocab, ids.length * vocab);
  }

  return {
    eosTokenIds,
    encode: (text, addSpecialTokens = true) => tokenizer.encode(text, { add_special_tokens: addSpecialTokens }),
    decode: (id) => tokenizer.decode([id], { skip_special_tokens: false }),
    nextLogits,
    async greedy(ids, n) {
      const out: number[] = [];
      while (out.length < n) {
        const id = argmax(await nextLogits([...ids, ...out]));
        out.push(id);
        if (eosTokenIds.includes(id)) break;
      }
      return out;
    },
  };
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** softmax(logits / temperature), in float64. */
export function softmaxAt(logits: Float32Array, temperature: number): Float64Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v / temperature);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] / temperature - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}
