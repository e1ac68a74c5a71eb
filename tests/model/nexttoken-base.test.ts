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
  /** PyTorch at the last position: per layer the logit lens's top 5, every head's attention row, the residual norm */
  internals: { lens: { top_ids: number[]; top_probs: number[] }[]; attention: number[][][]; residual_norms: number[] };
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

  it("the graph's extra outputs give PyTorch's logit lens, attention rows and residual norms", async () => {
    const session = model.sessions['model'] as unknown as {
      inputNames: string[];
      run(feeds: Record<string, unknown>, fetches: string[]): Promise<Record<string, { data: Float32Array; dims: number[] }>>;
    };
    const layers = 5, heads = 8, hidden = 256, eps = 1e-5;
    const names = [
      ...Array.from({ length: layers }, (_, i) => `hidden_states.${i}`),
      ...Array.from({ length: layers }, (_, i) => `attentions.${i}`),
      'm.norm.weight',
      'm.embed_tokens.weight',
    ];
    for (const p of golden.prompts) {
      const n = p.input_ids.length;
      const feeds: Record<string, unknown> = {
        input_ids: new Tensor('int64', int64(p.input_ids), [1, n]).ort_tensor,
        attention_mask: new Tensor('int64', int64(p.input_ids.map(() => 1)), [1, n]).ort_tensor,
        position_ids: new Tensor('int64', int64(p.input_ids.map((_, i) => i)), [1, n]).ort_tensor,
      };
      for (const name of session.inputNames)
        if (name.startsWith('past_key_values')) feeds[name] = new Tensor('float32', new Float32Array(0), [1, 2, 0, 32]).ort_tensor;
      const out = await session.run(feeds, names);
      const norm = out['m.norm.weight'].data, head = out['m.embed_tokens.weight'].data;
      for (let l = 0; l < layers; l++) {
        const h = Array.from(out[`hidden_states.${l}`].data.subarray((n - 1) * hidden, n * hidden), Number);
        const length = Math.sqrt(h.reduce((s, x) => s + x * x, 0));
        expect(Math.abs(length - p.internals.residual_norms[l]) / length).toBeLessThan(1e-4);
        const scale = 1 / Math.sqrt(h.reduce((s, x) => s + x * x, 0) / hidden + eps);
        const x = h.map((v, i) => v * scale * norm[i]);
        const logits = Array.from({ length: 8192 }, (_, v) => x.reduce((s, xi, i) => s + xi * head[v * hidden + i], 0));
        const m = Math.max(...logits);
        const z = logits.reduce((s, y) => s + Math.exp(y - m), 0);
        p.internals.lens[l].top_ids.forEach((id, r) => {
          expect(Math.abs(Math.exp(logits[id] - m) / z - p.internals.lens[l].top_probs[r])).toBeLessThan(1e-4);
          if (r > 0) expect(logits[id]).toBeLessThanOrEqual(logits[p.internals.lens[l].top_ids[r - 1]]);
        });
        expect(logits.filter((y) => y > logits[p.internals.lens[l].top_ids[4]]).length).toBe(4);
        const a = out[`attentions.${l}`].data;
        for (let hh = 0; hh < heads; hh++)
          p.internals.attention[l][hh].forEach((w, k) => expect(Math.abs(a[(hh * n + n - 1) * n + k] - w)).toBeLessThan(1e-5));
      }
    }
  });
});
