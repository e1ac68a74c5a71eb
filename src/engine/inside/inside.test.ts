/**
 * The Inside pass on the embedded model, the way the worker runs it (loadCausalLM, then runInside), against
 * independent references: the model's own logits from a plain forward pass (float64 softmax here), the raw
 * attention tensors of the graph, and the values PyTorch wrote into golden.json at export time.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Tensor, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxBackend } from '../backends/onnx/backend';
import { forward } from '../backends/onnx/forward';
import { loadCausalLM, type LoadedModel } from '../backends/onnx/loadModel';
import { ATTENTION } from './graphOutputs';
import { float32Of, lensDistribution, rmsNorm, topTokens } from './lens';
import { decoderSession, runInside } from './run';
import { installInternalsHook } from './sessionHook';
import { writeStandardExport } from '../../../tests/reference/standardExport';
import { LENS_TOP, type InsideResult } from './types';

const modelsDir = resolve(__dirname, '../../../public/models');

interface GoldenInternals {
  lens: { top_ids: number[]; top_probs: number[] }[];
  attention: number[][][];
  residual_norms: number[];
}
const golden = JSON.parse(readFileSync(resolve(modelsDir, 'nexttoken-base/golden.json'), 'utf8')) as {
  prompts: { text: string; input_ids: number[]; internals: GoldenInternals }[];
};

function softmax64(logits: Float32Array): number[] {
  const m = logits.reduce((a, b) => Math.max(a, b), -Infinity);
  const e = Array.from(logits, (x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

describe('the logit lens, attention and residual norms of the embedded model', () => {
  let lm: LoadedModel;
  beforeAll(async () => {
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.localModelPath = `${modelsDir}/`;
    lm = await loadCausalLM({ modelId: 'nexttoken-base', device: 'cpu' });
  });
  afterAll(async () => {
    await lm?.dispose();
  });

  const context = () => [...golden.prompts[0].input_ids, ...golden.prompts[1].input_ids.slice(1), 300, 301, 302];

  it("the lens's last layer is the model's own next-token distribution (1e-4)", async () => {
    const ids = context();
    const inside = await runInside(lm, ids);
    const { logits } = await forward(lm, ids, null, 0, { positions: 'last', keepCache: false });
    const model = softmax64(logits);
    const top = topTokens(model, LENS_TOP);
    const last = (inside.layers - 1) * LENS_TOP;
    expect(inside.layers).toBe(5);
    expect(Array.from(inside.lensIds!.subarray(last, last + LENS_TOP))).toEqual(top.ids);
    top.probs.forEach((p, r) => expect(Math.abs(inside.lensProbs![last + r] - p)).toBeLessThan(1e-4));
    expect(Math.abs(inside.finalChoiceProbs![inside.layers - 1] - top.probs[0])).toBeLessThan(1e-4);
  });

  it('attention rows are causal and each head’s row sums to 1 (1e-5)', async () => {
    const ids = context();
    const inside = await runInside(lm, ids);
    const n = ids.length;
    expect(inside.positions).toBe(n);
    expect(inside.attention!.length).toBe(inside.layers * inside.heads * n);
    for (let row = 0; row < inside.layers * inside.heads; row++) {
      const w = inside.attention!.subarray(row * n, (row + 1) * n);
      expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      for (const x of w) expect(x).toBeGreaterThanOrEqual(0);
    }
    // the full matrices the graph computes: no query reads a later position
    const session = decoderSession(lm)!;
    const names = session.outputNames.filter((name) => ATTENTION.test(name));
    const int64 = (v: number[]) => new Tensor('int64', BigInt64Array.from(v, BigInt), [1, v.length]).ort_tensor;
    const feeds: Record<string, unknown> = { input_ids: int64(ids), attention_mask: int64(ids.map(() => 1)), position_ids: int64(ids.map((_, i) => i)) };
    for (const name of session.inputNames) if (name.startsWith('past_key_values')) feeds[name] = new Tensor('float32', new Float32Array(0), [1, 2, 0, 32]).ort_tensor;
    const out = await session.run(feeds, names);
    for (const name of names) {
      const a = out[name].data as Float32Array;
      for (let h = 0; h < inside.heads; h++)
        for (let q = 0; q < n; q++) {
          const row = a.subarray((h * n + q) * n, (h * n + q + 1) * n);
          expect(row.subarray(q + 1).every((x) => x === 0)).toBe(true);
          expect(Math.abs(row.reduce((s, x) => s + x, 0) - 1)).toBeLessThan(1e-5);
        }
    }
  });

  it('equals PyTorch on the golden prompts: lens top 5, every head’s attention row, residual norms', async () => {
    for (const p of golden.prompts) {
      const inside = await runInside(lm, p.input_ids);
      const n = p.input_ids.length;
      p.internals.lens.forEach((layer, l) => {
        expect(Array.from(inside.lensIds!.subarray(l * LENS_TOP, (l + 1) * LENS_TOP))).toEqual(layer.top_ids);
        layer.top_probs.forEach((q, r) => expect(Math.abs(inside.lensProbs![l * LENS_TOP + r] - q)).toBeLessThan(1e-4));
      });
      p.internals.attention.forEach((layer, l) =>
        layer.forEach((head, h) => head.forEach((w, k) => expect(Math.abs(inside.attention![(l * inside.heads + h) * n + k] - w)).toBeLessThan(1e-5))),
      );
      p.internals.residual_norms.forEach((norm, l) => expect(Math.abs(inside.residualNorms![l] - norm) / norm).toBeLessThan(1e-4));
    }
  });

  it('a pass that reuses the last pass’s cache (same step, next step, another branch) equals a pass over the whole context', async () => {
    const ids = context();
    const same = (a: InsideResult, b: InsideResult) => {
      expect(Array.from(a.lensIds!)).toEqual(Array.from(b.lensIds!));
      Array.from(a.lensProbs!).forEach((p, i) => expect(Math.abs(p - b.lensProbs![i])).toBeLessThan(1e-4));
      Array.from(a.attention!).forEach((w, i) => expect(Math.abs(w - b.attention![i])).toBeLessThan(1e-4));
      Array.from(a.residualNorms!).forEach((r, i) => expect(Math.abs(r - b.residualNorms![i]) / r).toBeLessThan(1e-4));
    };
    for (const next of [ids, [...ids, 777], [...ids.slice(0, 4), 900, 901], ids.slice(0, 1)]) {
      await runInside(lm, ids);
      same(await runInside(lm, next), await runInside(lm, next, { reuse: false }));
    }
  });

  it('after a generation, a step of it is explained from the generation’s cache: one token is run', async () => {
    const ids = context();
    const sequence = new OnnxBackend(lm).openSequence({ useKvCache: true });
    await sequence.next(ids.slice(0, 6));
    for (let n = 7; n <= ids.length; n++) await sequence.next(ids.slice(0, n));
    await sequence.dispose();
    const session = decoderSession(lm)!;
    const run = session.run;
    const fed: number[] = [];
    session.run = (feeds, fetches) => {
      fed.push((feeds['input_ids'] as { dims: number[] }).dims[1]);
      return run(feeds, fetches);
    };
    const step = ids.slice(0, -2);
    let reused: InsideResult;
    try {
      reused = await runInside(lm, step);
    } finally {
      session.run = run;
    }
    expect(fed).toEqual([1]);
    const whole = await runInside(lm, step, { reuse: false });
    expect(Array.from(reused.lensIds!)).toEqual(Array.from(whole.lensIds!));
    Array.from(reused.lensProbs!).forEach((p, i) => expect(Math.abs(p - whole.lensProbs![i])).toBeLessThan(1e-4));
  });

  it('decoding fetches only logits and the cache: the internals cross only when asked', async () => {
    const session = decoderSession(lm)!;
    expect(session.outputNames.filter((n) => n.startsWith('hidden_states.')).length).toBe(5);
    const outputs = (await lm.model.forward({
      input_ids: new Tensor('int64', [0n, 442n], [1, 2]),
      attention_mask: new Tensor('int64', [1n, 1n], [1, 2]),
    })) as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual(['logits', ...Array.from({ length: 5 }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat()].sort());
  });
});

describe('a Hub model whose graph lists no internals (a standard export of the embedded model)', () => {
  let hub: LoadedModel;
  let embedded: LoadedModel;
  beforeAll(async () => {
    // Transformers.js in Node makes its sessions with onnxruntime-node, from the file's path
    installInternalsHook(ort.InferenceSession, async (path) => new Uint8Array(await readFile(path)));
    const hubDir = mkdtempSync(join(tmpdir(), 'nt-hub-'));
    writeStandardExport(resolve(modelsDir, 'nexttoken-base'), join(hubDir, 'test-org/standard'));
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.localModelPath = `${hubDir}/`;
    hub = await loadCausalLM({ modelId: 'test-org/standard', device: 'cpu' });
    env.localModelPath = `${modelsDir}/`;
    embedded = await loadCausalLM({ modelId: 'nexttoken-base', device: 'cpu' });
  });
  afterAll(async () => {
    await hub?.dispose();
    await embedded?.dispose();
  });

  it('gets its hidden states, attention and lens weights as outputs, found by structure', () => {
    const session = decoderSession(hub)!;
    expect(session.outputNames.some((n) => n.startsWith('hidden_states.'))).toBe(false);
    expect(session.outputNames).toContain('/m/layers.4/Add_1_output_0');
    expect(session.outputNames).toContain('/m/layers.0/self_attn/Softmax_output_0');
  });

  it('gives the same lens, attention and residual norms as the embedded model’s own outputs', async () => {
    const ids = [...golden.prompts[0].input_ids, 300, 301];
    const [a, b] = [await runInside(hub, ids), await runInside(embedded, ids)];
    expect(a.unavailable).toEqual({});
    expect(Array.from(a.lensIds!)).toEqual(Array.from(b.lensIds!));
    expect(Array.from(a.lensProbs!)).toEqual(Array.from(b.lensProbs!));
    expect(Array.from(a.attention!)).toEqual(Array.from(b.attention!));
    expect(Array.from(a.residualNorms!)).toEqual(Array.from(b.residualNorms!));
    // and the lens's last layer is the model's own distribution
    const { logits } = await forward(hub, ids, null, 0, { positions: 'last', keepCache: false });
    const top = topTokens(softmax64(logits), LENS_TOP);
    const last = (a.layers - 1) * LENS_TOP;
    top.probs.forEach((p, r) => expect(Math.abs(a.lensProbs![last + r] - p)).toBeLessThan(1e-4));
  });

  it('decodes fetching only logits and the cache', async () => {
    const outputs = (await hub.model.forward({
      input_ids: new Tensor('int64', [0n, 442n], [1, 2]),
      attention_mask: new Tensor('int64', [1n, 1n], [1, 2]),
    })) as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual(['logits', ...Array.from({ length: 5 }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat()].sort());
  });
});

describe('lens maths', () => {
  it('top tokens are the most probable, best first, ties to the lower id', () => {
    expect(topTokens([0.1, 0.3, 0.3, 0.05, 0.25], 3)).toEqual({ ids: [1, 2, 4], probs: [0.3, 0.3, 0.25] });
  });
  it('RMSNorm scales to unit root-mean-square before the weight', () => {
    const out = rmsNorm(Float32Array.from([3, 4]), Float32Array.from([1, 2]), 0);
    const rms = Math.sqrt((9 + 16) / 2);
    expect(out[0]).toBeCloseTo(3 / rms, 12);
    expect(out[1]).toBeCloseTo((2 * 4) / rms, 12);
  });
  it('a [hidden, vocab] head gives the same distribution as its [vocab, hidden] transpose', () => {
    const [hidden, vocab] = [3, 4];
    const head = Float32Array.from({ length: hidden * vocab }, (_, i) => Math.sin(i));
    const transposed = Float32Array.from({ length: hidden * vocab }, (_, j) => head[(j % vocab) * hidden + Math.floor(j / vocab)]);
    const x = Float32Array.from([1, -2, 0.5]);
    const w = Float32Array.from([1, 0.5, 2]);
    const a = lensDistribution(x, w, head, 1e-5, 'vocab-hidden');
    const b = lensDistribution(x, w, transposed, 1e-5, 'hidden-vocab');
    a.forEach((p, i) => expect(b[i]).toBeCloseTo(p, 12));
  });
  it('float16 outputs are widened exactly', () => {
    const bits = Uint16Array.from([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00]);
    expect(Array.from(float32Of({ data: bits, type: 'float16' }))).toEqual([1, -2, Math.fround(0.333251953125), 2 ** -24, Infinity]);
  });
  it('a lens distribution sums to 1', () => {
    const head = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const d = lensDistribution(Float32Array.from([1, -2, 0.5]), Float32Array.from([1, 1, 1]), head, 1e-5);
    expect(d.length).toBe(4);
    expect(d.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});
