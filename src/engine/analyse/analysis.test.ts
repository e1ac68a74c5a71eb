/**
 * Text analysis with the real embedded model (public/models/nexttoken-base), run by onnxruntime-node. Expected
 * values come from reference.ts: one direct forward pass, float64 softmax, counting — never from an earlier run.
 */
import { resolve } from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxBackend } from '../backends/onnx/backend';
import { loadCausalLM, type LoadedModel } from '../backends/onnx/loadModel';
import { analyseIds, analyseText, planAnalysis, textIds, windowRanges } from './analyse';
import { referenceScores } from './reference';
import { meanSurprisal, normaliseThresholds, rankBucket, summaryOf } from './summary';
import { textsIn } from './tokenTexts';
import { DEFAULT_RANK_THRESHOLDS, TOP_ALTERNATIVES, type AnalysisResult } from './types';

const modelsDir = resolve(__dirname, '../../../public/models');
const TEXT = 'Once upon a time, the little robot walked to the old town. It was happy, and the sun was warm.';

function expectMatchesReference(r: AnalysisResult, k: number, ref: { prob: number; rank: number; surprisalBits: number; entropyBits: number; top: number[] }) {
  expect(r.rank[k]).toBe(ref.rank);
  expect(r.prob[k]).toBeCloseTo(ref.prob, 5);
  expect(Math.abs(r.surprisal[k] - ref.surprisalBits)).toBeLessThan(1e-3);
  expect(Math.abs(r.entropy[k] - ref.entropyBits)).toBeLessThan(1e-3);
  expect(Array.from(r.topIds.subarray(k * TOP_ALTERNATIVES, (k + 1) * TOP_ALTERNATIVES))).toEqual(ref.top);
}

describe('window planning', () => {
  it('one window when the text fits; later windows score stride new tokens after L − stride of context', () => {
    expect(planAnalysis(100, 256, [0]).windows).toBe(1);
    const plan = planAnalysis(600, 256, [0]);
    expect(plan.stride).toBe(128);
    const ranges = windowRanges(plan);
    expect(ranges.length).toBe(plan.windows);
    expect(ranges[0]).toEqual({ start: 0, end: 255, scoreFrom: 0 });
    // the scored ranges tile [0, 600) exactly, and every window holds 255 text tokens
    let covered = 0;
    for (const w of ranges) {
      expect(w.scoreFrom).toBe(covered);
      expect(w.end - w.start).toBe(255);
      covered = w.end;
    }
    expect(covered).toBe(600);
  });

  it('without a BOS the first token has nothing to be predicted from', () => {
    expect(windowRanges(planAnalysis(10, 256, []))[0].scoreFrom).toBe(1);
    expect(() => planAnalysis(10, 1, [0])).toThrow(/too small/);
  });

  it('rank buckets: the first threshold at or above the rank, else beyond', () => {
    expect([1, 2, 10, 11, 1000, 1001].map((r) => rankBucket(r, DEFAULT_RANK_THRESHOLDS))).toEqual([0, 1, 1, 2, 3, 4]);
    expect(rankBucket(0, DEFAULT_RANK_THRESHOLDS)).toBe(-1);
    expect(normaliseThresholds([5, 3, 0, 50, NaN, 500])).toEqual([5, 50, 500]);
  });
});

describe('analysis with the embedded model', () => {
  let lm: LoadedModel;
  let backend: OnnxBackend;
  beforeAll(async () => {
    env.allowRemoteModels = false;
    env.localModelPath = `${modelsDir}/`;
    lm = await loadCausalLM({ modelId: 'nexttoken-base', device: 'cpu' });
    backend = new OnnxBackend(lm);
  });
  afterAll(async () => {
    await lm?.dispose();
  });

  it('ranks, probabilities, surprisal, entropy and alternatives equal those from the logits of one direct pass', async () => {
    const ids = textIds(backend, TEXT);
    const bos = lm.info.bosTokenId;
    expect(bos).not.toBeNull();
    const r = await analyseText(backend, TEXT);
    expect(Array.from(r.ids)).toEqual(ids);
    expect(r.plan.windows).toBe(1);
    const ref = await referenceScores(lm.model, [bos!, ...ids]);
    for (let k = 0; k < ids.length; k++) expectMatchesReference(r, k, ref[k]);
    // the first token is scored too: it is predicted from the BOS alone
    expect(r.contextTokens[0]).toBe(1);
    expect(textsIn(r.texts).join('')).toBe(TEXT);
    expect(r.bytes).toBe(new TextEncoder().encode(TEXT).length);
  });

  it('without a prefix the first token is left unscored and the rest still match', async () => {
    const ids = textIds(backend, TEXT);
    const r = await analyseIds(backend, ids, { prefixIds: [] });
    expect(r.rank[0]).toBe(0);
    expect(Number.isNaN(r.prob[0])).toBe(true);
    const ref = await referenceScores(lm.model, ids);
    for (let k = 1; k < ids.length; k++) expectMatchesReference(r, k, ref[k - 1]);
  });

  it('feeding a window in chunks through the KV cache gives the same numbers as one pass', async () => {
    const ids = textIds(backend, TEXT);
    const whole = await analyseIds(backend, ids);
    const chunked = await analyseIds(backend, ids, { chunkTokens: 7 });
    for (let k = 0; k < ids.length; k++) {
      expect(chunked.prob[k]).toBeCloseTo(whole.prob[k], 4);
      expect(Math.abs(chunked.rank[k] - whole.rank[k])).toBeLessThanOrEqual(whole.rank[k] > 20 ? 2 : 0);
    }
  });

  it('a text longer than the context slides windows over it; each token matches a direct pass over its own window', async () => {
    let long = '';
    for (let i = 0; long.length < 2400; i++) long += `Story ${i}: the robot found ${i % 7} red stones near the river, and the cat slept. `;
    const ids = textIds(backend, long);
    const C = lm.info.contextWindow;
    expect(ids.length).toBeGreaterThan(C * 1.5);
    const progress: number[] = [];
    const r = await analyseIds(backend, ids, { onProgress: (p) => progress.push(p.window) });
    const ranges = windowRanges(r.plan);
    expect(r.plan.windows).toBeGreaterThanOrEqual(3);
    expect(progress).toEqual(ranges.map((_, i) => i + 1));
    const L = C - 1;
    for (let k = 0; k < ids.length; k++) {
      expect(r.rank[k]).toBeGreaterThanOrEqual(1);
      // past the first window every prediction saw at least half a window of real context (+ the BOS)
      if (k >= L) expect(r.contextTokens[k]).toBeGreaterThanOrEqual(L - r.plan.stride + 1);
    }
    for (const w of [1, ranges.length - 1]) {
      const { start, end, scoreFrom } = ranges[w];
      const ref = await referenceScores(lm.model, [lm.info.bosTokenId!, ...ids.slice(start, end)]);
      for (let k = scoreFrom; k < end; k += 5) expectMatchesReference(r, k, ref[k - start]);
    }
  });

  it('summary: perplexity is 2^(bits per token), buckets count every scored token, most surprising first', async () => {
    const r = await analyseText(backend, TEXT);
    const s = summaryOf(r, DEFAULT_RANK_THRESHOLDS);
    expect(s.scored).toBe(r.ids.length);
    expect(s.bucketCounts.reduce((a, b) => a + b, 0)).toBe(s.scored);
    expect(s.perplexity).toBeCloseTo(Math.pow(2, s.bitsPerToken), 9);
    expect(s.bitsPerByte).toBeCloseTo(s.totalBits / r.bytes, 9);
    expect(s.bitsPerToken).toBeCloseTo(meanSurprisal(r.surprisal, 0, r.ids.length), 9);
    for (let i = 1; i < s.mostSurprising.length; i++) expect(r.surprisal[s.mostSurprising[i - 1]]).toBeGreaterThanOrEqual(r.surprisal[s.mostSurprising[i]]);
  });

  it('a repeated sentence is less surprising the second time', async () => {
    // the embedded model has learned little in-context copying (about 9.7 → 9.2 bits per token on this
    // sentence); a larger Hub model drops far more. Clearly lower: by at least a quarter bit per token.
    const sentence = 'The purple engine hummed beside the quiet harbour while seven gulls argued over bread.';
    const first = textIds(backend, sentence);
    const r = await analyseText(backend, `${sentence} ${sentence}`);
    const n = first.length;
    const a = meanSurprisal(r.surprisal, 1, n);
    const b = meanSurprisal(r.surprisal, r.ids.length - n + 1, r.ids.length);
    console.log(`repeat: first copy ${a.toFixed(2)} bits/token, second ${b.toFixed(2)}`);
    expect(b).toBeLessThan(a - 0.25);
  });
});
