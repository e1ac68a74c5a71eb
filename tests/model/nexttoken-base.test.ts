// The committed model folder public/models/nexttoken-base, checked the way the app loads it:
// Transformers.js with remote models disabled (onnxruntime-node here), against the golden file
// that PyTorch wrote at export time (tools/model/export.py).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoModelForCausalLM, AutoTokenizer, env, Tensor, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';

const MODELS = join(dirname(fileURLToPath(import.meta.url)), '../../public/models');
const FOLDER = join(MODELS, 'nexttoken-base');

interface GoldenPrompt {
  text: string;
  input_ids: number[];
  greedy_ids: number[];
  first_step: { top_ids: number[]; top_logits: number[]; probe_logits: number[]; sum: number; sum_sq: number };
}
interface Golden {
  max_new_tokens: number;
  probe_ids: number[];
  prompts: GoldenPrompt[];
}

let golden: Golden;
let tokenizer: PreTrainedTokenizer;
let model: PreTrainedModel;

beforeAll(async () => {
  golden = JSON.parse(await readFile(join(FOLDER, 'golden.json'), 'utf8')) as Golden;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = MODELS + '/';
  tokenizer = await AutoTokenizer.from_pretrained('nexttoken-base');
  model = await AutoModelForCausalLM.from_pretrained('nexttoken-base', { dtype: 'fp32' });
});

const ids = (t: Tensor) => Array.from(t.data as BigInt64Array, Number);
const int64 = (values: number[]) => BigInt64Array.from(values.map(BigInt));

/** Logits of the last position, computing the whole sequence from scratch (no cache). */
async function lastLogits(sequence: number[]): Promise<Float32Array> {
  const full = new Tensor('int64', int64(sequence), [1, sequence.length]);
  const mask = new Tensor('int64', int64(sequence.map(() => 1)), [1, sequence.length]);
  const { logits } = (await model({ input_ids: full, attention_mask: mask })) as { logits: Tensor };
  const [, n, v] = logits.dims;
  return (logits.data as Float32Array).slice((n - 1) * v, n * v);
}
const argmax = (a: Float32Array) => a.reduce((best, x, i) => (x > a[best] ? i : best), 0);

describe('nexttoken-base in Transformers.js', () => {
  it('tokenizes the golden prompts to the IDs the model was trained with, <|endoftext|> first', () => {
    expect(golden.prompts.length).toBeGreaterThanOrEqual(3);
    for (const p of golden.prompts) {
      expect(ids(tokenizer(p.text).input_ids)).toEqual(p.input_ids);
      expect(p.input_ids[0]).toBe(0);
      expect(tokenizer.decode(p.input_ids, { skip_special_tokens: true })).toBe(p.text);
    }
  });

  it('first-step logits match PyTorch within 1e-3', async () => {
    for (const p of golden.prompts) {
      const logits = await lastLogits(p.input_ids);
      expect(logits.length).toBe(8192);
      golden.probe_ids.forEach((id, i) => expect(Math.abs(logits[id] - p.first_step.probe_logits[i])).toBeLessThan(1e-3));
      p.first_step.top_ids.forEach((id, i) => expect(Math.abs(logits[id] - p.first_step.top_logits[i])).toBeLessThan(1e-3));
      expect(argmax(logits)).toBe(p.first_step.top_ids[0]);
      const sum = logits.reduce((s, x) => s + x, 0);
      expect(Math.abs(sum - p.first_step.sum)).toBeLessThan(1e-3 * Math.sqrt(logits.length) * 8);
    }
  });

  it('greedy decoding with the KV cache yields exactly the golden token IDs', async () => {
    for (const p of golden.prompts) {
      const inputs = tokenizer(p.text);
      const out = (await model.generate({ ...inputs, max_new_tokens: golden.max_new_tokens, do_sample: false })) as Tensor;
      expect(ids(out).slice(p.input_ids.length)).toEqual(p.greedy_ids);
    }
  });

  it('decoding without the cache (full recompute each step) gives the same tokens as with it', async () => {
    for (const p of golden.prompts.slice(0, 2)) {
      const seq = [...p.input_ids];
      for (let step = 0; step < golden.max_new_tokens; step++) {
        const next = argmax(await lastLogits(seq));
        seq.push(next);
        if (next === 0) break;
      }
      const cached = (await model.generate({ ...tokenizer(p.text), max_new_tokens: golden.max_new_tokens, do_sample: false })) as Tensor;
      expect(seq).toEqual(ids(cached));
      expect(seq.slice(p.input_ids.length)).toEqual(p.greedy_ids);
    }
  });
});
