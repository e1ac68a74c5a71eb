/**
 * The generation loop with the real embedded model (public/models/nexttoken-base), run by onnxruntime-node.
 * Expectations are computed independently: a direct `model.forward` over the whole sequence, a float64 softmax,
 * a separate generation from the extended prompt — never outputs copied from an earlier run.
 */
import { resolve } from 'node:path';
import { Tensor, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING, type SamplingSettings } from '../sampling/types';
import { argmax } from '../sampling/stages';
import { measureDecodeSpeed } from './bench';
import { Generator, bareGreedyDecode } from './generator';
import { OnnxBackend } from '../backends/onnx/backend';
import { ModelLoadError, loadCausalLM, type LoadedModel } from '../backends/onnx/loadModel';
import { LogitsStore } from './logitsStore';
import { collect } from './testUtils';

const modelsDir = resolve(__dirname, '../../../public/models');
const PROMPT = 'Once upon a time, the little robot';

let lm: LoadedModel;
let backend: OnnxBackend;
let promptIds: number[];

const greedy: SamplingSettings = { ...DEFAULT_SAMPLING, temperature: 0 };

/** Logits of the next token after `ids`, from one plain Transformers.js forward call over the whole sequence. */
async function directLogits(ids: number[]): Promise<Float32Array> {
  const out = await lm.model.forward({
    input_ids: new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
    attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
  });
  const logits = out.logits as Tensor;
  const vocab = logits.dims[2];
  return (logits.data as Float32Array).slice((ids.length - 1) * vocab, ids.length * vocab);
}

describe('generation loop with the embedded model', () => {
  beforeAll(async () => {
    env.allowRemoteModels = false;
    env.localModelPath = `${modelsDir}/`;
    lm = await loadCausalLM({ modelId: 'nexttoken-base', device: 'cpu' });
    backend = new OnnxBackend(lm);
    promptIds = lm.tokenizer.encode(PROMPT);
  });

  afterAll(async () => {
    await lm?.dispose();
  });

  it('loads the model and reports its shape', () => {
    expect(lm.info).toMatchObject({ modelId: 'nexttoken-base', device: 'cpu', architecture: 'llama' });
    expect(lm.info.vocabSize).toBeGreaterThan(256);
    expect(lm.info.contextWindow).toBeGreaterThan(promptIds.length);
    expect(lm.info.eosTokenIds.length).toBeGreaterThan(0);
    expect(promptIds.length).toBeGreaterThan(3);
  });

  it('reports download progress per file, then a compile phase, then ready', async () => {
    const phases: string[] = [];
    const files = new Set<string>();
    const other = await loadCausalLM({
      modelId: 'nexttoken-base',
      device: 'cpu',
      onProgress: (p) => {
        phases.push(p.phase);
        if (p.phase === 'download') {
          files.add(p.file);
          expect(p.loadedBytes).toBeLessThanOrEqual(p.totalBytes);
        }
      },
    });
    await other.dispose();
    expect(files.has('onnx/model.onnx')).toBe(true);
    expect(phases.indexOf('compile')).toBeGreaterThan(phases.indexOf('download'));
    expect(phases.at(-1)).toBe('ready');
  });

  it('greedy output is deterministic and the same with and without the KV cache', async () => {
    const options = { settings: greedy, maxNewTokens: 24 };
    const first = await collect(new Generator(backend).generate(promptIds, options));
    const again = await collect(new Generator(backend).generate(promptIds, options));
    const recompute = await collect(new Generator(backend).generate(promptIds, { ...options, useKvCache: false }));
    expect(first.summary.tokenIds.length).toBeGreaterThan(0);
    expect(again.summary.tokenIds).toEqual(first.summary.tokenIds);
    expect(recompute.summary.tokenIds).toEqual(first.summary.tokenIds);
    expect(first.steps.map((s) => s.phase)).toEqual(['prefill', ...first.steps.slice(1).map(() => 'decode')]);
    expect(first.steps.slice(1).every((s) => s.inputTokens === 1)).toBe(true);
    expect(recompute.steps.at(-1)?.inputTokens).toBe(promptIds.length + recompute.steps.length - 1);
    const bare = await bareGreedyDecode(backend, promptIds, first.summary.tokenIds.length);
    expect(bare.tokenIds).toEqual(first.summary.tokenIds);
  });

  it("each step's logits equal a direct forward pass over the whole sequence", async () => {
    const generator = new Generator(backend);
    const { summary } = await collect(
      generator.generate(promptIds, { settings: { ...DEFAULT_SAMPLING, temperature: 0.9, seed: 5 }, maxNewTokens: 8 }),
    );
    for (const step of [0, 1, 4, 7]) {
      const expected = await directLogits([...promptIds, ...summary.tokenIds.slice(0, step)]);
      const stored = generator.storedLogits(summary.branchId, step);
      expect(stored).toBeDefined();
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(stored![i] - expected[i]));
      expect(worst).toBeLessThan(1e-3);
    }
  });

  it("candidates' probabilities equal the softmax of the step's logits at the set temperature", async () => {
    const generator = new Generator(backend);
    const settings = { ...DEFAULT_SAMPLING, temperature: 0.7, seed: 11 };
    const { steps, summary } = await collect(generator.generate(promptIds, { settings, maxNewTokens: 4 }));
    for (const step of steps) {
      const logits = await directLogits([...promptIds, ...summary.tokenIds.slice(0, step.stepIndex)]);
      let max = -Infinity;
      for (const l of logits) max = Math.max(max, l);
      let z = 0;
      for (const l of logits) z += Math.exp((l - max) / 0.7);
      expect(step.distribution.candidates.length).toBeGreaterThanOrEqual(20);
      for (const c of step.distribution.candidates) {
        expect(c.prob).toBeCloseTo(Math.exp((logits[c.id] - max) / 0.7) / z, 4);
        expect(c.text).toBe(lm.tokenizer.decode([c.id], { skip_special_tokens: false }));
      }
      expect(step.distribution.candidates[0].id).toBe(argmax(logits));
      expect(step.chosen.prob).toBeCloseTo(Math.exp((logits[step.chosen.id] - max) / 0.7) / z, 4);
    }
  });

  it('the same seed gives the same tokens, another seed other tokens', async () => {
    const run = async (seed: number) =>
      (await collect(new Generator(backend).generate(promptIds, { settings: { ...DEFAULT_SAMPLING, temperature: 1.2, seed }, maxNewTokens: 16 })))
        .summary.tokenIds;
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
  });

  it('stops at max new tokens, and immediately when aborted', async () => {
    const limited = await collect(new Generator(backend).generate(promptIds, { settings: greedy, maxNewTokens: 5, stopOnEos: false }));
    expect(limited.steps).toHaveLength(5);
    expect(limited.summary.reason).toBe('max-tokens');

    const controller = new AbortController();
    const it = new Generator(backend).generate(promptIds, { settings: greedy, maxNewTokens: 50, signal: controller.signal });
    const seen: number[] = [];
    for (;;) {
      const next = await it.next();
      if (next.done) {
        expect(next.value.reason).toBe('stopped');
        break;
      }
      seen.push(next.value.stepIndex);
      if (seen.length === 3) controller.abort();
    }
    expect(seen).toEqual([0, 1, 2]);

    // Aborting while a forward pass is in flight: its result is discarded, no step is yielded.
    const midway = new AbortController();
    const pending = new Generator(backend).generate(promptIds, { settings: greedy, maxNewTokens: 50, signal: midway.signal }).next();
    midway.abort();
    const first = await pending;
    expect(first.done).toBe(true);
  });

  it('stops when the end-of-sequence token is chosen', async () => {
    const generator = new Generator(backend);
    const base = await collect(generator.generate(promptIds, { settings: greedy, maxNewTokens: 6, stopOnEos: false }));
    const eos = lm.info.eosTokenIds[0];
    const branched = await collect(generator.continueFrom(base.summary.branchId, 2, eos, { settings: greedy, maxNewTokens: 6 }));
    expect(branched.steps).toHaveLength(1);
    expect(branched.summary.reason).toBe('eos');
    expect(branched.summary.tokenIds).toEqual([...base.summary.tokenIds.slice(0, 2), eos]);
  });

  it('continueFrom forces the chosen token at that step and continues from it', async () => {
    const generator = new Generator(backend);
    const base = await collect(generator.generate(promptIds, { settings: greedy, maxNewTokens: 10, stopOnEos: false }));
    const at = 3;
    const alternative = base.steps[at].distribution.candidates.find((c) => c.id !== base.summary.tokenIds[at] && !lm.info.eosTokenIds.includes(c.id))!;
    const branch = await collect(
      generator.continueFrom(base.summary.branchId, at, alternative.id, { settings: greedy, maxNewTokens: 10, stopOnEos: false }),
    );
    expect(branch.steps[0]).toMatchObject({ stepIndex: at, chosen: { id: alternative.id, forced: true } });
    expect(branch.summary.tokenIds.slice(0, at)).toEqual(base.summary.tokenIds.slice(0, at));
    expect(branch.summary.tokenIds[at]).toBe(alternative.id);
    expect(branch.summary.tokenIds).toHaveLength(10);
    // Independently: greedy decoding from the prompt extended by the forced prefix gives the same continuation.
    const prefix = [...promptIds, ...base.summary.tokenIds.slice(0, at), alternative.id];
    const direct = await bareGreedyDecode(backend, prefix, 10 - at - 1);
    expect(branch.summary.tokenIds.slice(at + 1)).toEqual(direct.tokenIds);
    // The original branch is untouched and its steps can still be re-sampled.
    expect(generator.sequence(base.summary.branchId).tokenIds).toEqual(base.summary.tokenIds);
    expect((await generator.resample(branch.summary.branchId, 1, greedy)).distribution.chosenId).toBe(base.summary.tokenIds[1]);
  });

  it('re-samples a stored step with new settings without running the model', async () => {
    const generator = new Generator(backend);
    const { summary } = await collect(generator.generate(promptIds, { settings: greedy, maxNewTokens: 3 }));
    const logits = generator.storedLogits(summary.branchId, 1)!;
    const cold = await generator.resample(summary.branchId, 1, { ...DEFAULT_SAMPLING, temperature: 0 });
    expect(cold.distribution.chosenId).toBe(argmax(logits));
    const hot = await generator.resample(summary.branchId, 1, { ...DEFAULT_SAMPLING, temperature: 2, topK: 5 });
    expect(hot.distribution.keptCount).toBe(5);
    expect(hot.distribution.candidates.filter((c) => c.prob > 0)).toHaveLength(5);
  });

  it('run N times: all runs coincide at temperature 0; run r draws from stream r', async () => {
    const generator = new Generator(backend);
    const cold = await generator.runMany(promptIds, 3, { settings: greedy, maxNewTokens: 8 });
    expect(new Set(cold.sequences.map((s) => s.join(','))).size).toBe(1);
    const settings = { ...DEFAULT_SAMPLING, temperature: 1.5, seed: 3 };
    const hot = await generator.runMany(promptIds, 4, { settings, maxNewTokens: 8 });
    expect(new Set(hot.sequences.map((s) => s.join(','))).size).toBeGreaterThan(1);
    const normal = await collect(new Generator(backend).generate(promptIds, { settings, maxNewTokens: 8 }));
    expect(hot.sequences[0]).toEqual(normal.summary.tokenIds);
  });

  it('a failed load explains itself and leaves the loaded model usable', async () => {
    const failure = await loadCausalLM({ modelId: 'no-such-model', device: 'cpu' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ModelLoadError);
    expect((failure as ModelLoadError).kind).toBe('not-found');
    expect((failure as ModelLoadError).message).toMatch(/no-such-model.*could not be found/);
    const { summary } = await collect(new Generator(backend).generate(promptIds, { settings: greedy, maxNewTokens: 3 }));
    expect(summary.tokenIds).toHaveLength(3);
  });

  it('stays bounded over a long run: old logits are dropped with a clear message, and it stops at the window', async () => {
    const generator = new Generator(backend, new LogitsStore(16));
    const { steps, summary } = await collect(
      generator.generate(promptIds, { settings: { ...DEFAULT_SAMPLING, temperature: 1, seed: 1 }, maxNewTokens: 1000, stopOnEos: false }),
    );
    expect(summary.reason).toBe('context-full');
    expect(promptIds.length + summary.tokenIds.length).toBe(lm.info.contextWindow);
    expect(steps.at(-1)?.contextLength).toBe(lm.info.contextWindow);
    expect(generator.store.size).toBe(16);
    await expect(generator.resample(summary.branchId, 0, greedy)).rejects.toThrow(/no longer kept/);
    expect((await generator.resample(summary.branchId, steps.length - 1, greedy)).distribution.chosenId).toBeGreaterThanOrEqual(0);
  });

  it('returns at once when stopped during a forward pass, and the next run still works', async () => {
    const generator = new Generator(backend);
    const controller = new AbortController();
    const it = generator.generate(promptIds, { settings: greedy, maxNewTokens: 20, signal: controller.signal });
    await it.next();
    const pending = it.next();
    controller.abort();
    const end = await pending;
    expect(end).toMatchObject({ done: true, value: { reason: 'stopped' } });
    const { summary } = await collect(generator.generate(promptIds, { settings: greedy, maxNewTokens: 3 }));
    expect(summary.tokenIds).toHaveLength(3);
  });

  it('times decode with and without the KV cache', async () => {
    const speed = await measureDecodeSpeed(backend, promptIds, 40);
    console.log(
      `nexttoken-base, Node cpu, prompt ${promptIds.length} tokens, ${speed.steps} greedy steps: TTFT ${speed.ttftMs.toFixed(1)} ms; ` +
        `decode ${speed.streamedTokensPerSecond.toFixed(0)} tok/s with distributions + KV cache, ` +
        `${speed.recomputeTokensPerSecond.toFixed(0)} tok/s full recompute, ${speed.bareTokensPerSecond.toFixed(0)} tok/s bare loop`,
    );
    expect(speed.steps).toBe(40);
    expect(speed.streamedTokensPerSecond).toBeGreaterThan(0);
  });
});
