import { describe, expect, it } from 'vitest';
import { samplingPipeline, topCandidates } from './pipeline';
import { drawUniform } from './rng';
import { argmax, entropyBits, logSumExpAndEntropy, softmaxWithStats } from './stages';
import { randomIds, randomLogits } from './testUtils';
import { DEFAULT_SAMPLING, REMOVAL_NONE, REMOVAL_TOP_K, REMOVAL_TOP_P, type SamplingSettings } from './types';

const settings = (partial: Partial<SamplingSettings>): SamplingSettings => ({ ...DEFAULT_SAMPLING, ...partial });
const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);
const keptIds = (removedBy: Uint8Array) => Array.from(removedBy.keys()).filter((i) => removedBy[i] === REMOVAL_NONE);

describe('sampling pipeline', () => {
  it('produces a final distribution that sums to 1 under any settings', () => {
    for (let trial = 0; trial < 40; trial++) {
      const logits = randomLogits(2000, trial);
      const s = settings({
        temperature: 0.1 + (trial % 7) * 0.3,
        topK: [0, 1, 5, 300][trial % 4],
        topP: [1, 0.3, 0.9, 0.99][trial % 3],
        minP: [0, 0.01, 0.2][trial % 3],
        repetitionPenalty: [1, 1.3, 0.7][trial % 3],
      });
      const trace = samplingPipeline(logits, s, drawUniform(1, trial), randomIds(30, 2000, trial));
      expect(sum(trace.final)).toBeCloseTo(1, 5);
      expect(sum(trace.probs)).toBeCloseTo(1, 5);
      expect(trace.final[trace.chosenId]).toBeGreaterThan(0);
    }
  });

  it('is greedy at temperature 0: all mass on the argmax, whatever the draw', () => {
    const logits = randomLogits(1000, 3);
    for (const u of [0, 0.3, 0.999]) {
      const trace = samplingPipeline(logits, settings({ temperature: 0, topK: 5, topP: 0.5 }), u);
      expect(trace.greedy).toBe(true);
      expect(trace.chosenId).toBe(argmax(logits));
      expect(trace.final[trace.chosenId]).toBe(1);
      expect(sum(trace.final)).toBe(1);
    }
  });

  it('greedy takes the lowest id among tied best logits, and never a NaN', () => {
    const logits = randomLogits(1000, 4);
    logits[700] = 50;
    logits[300] = 50;
    logits[100] = NaN;
    const trace = samplingPipeline(logits, settings({ temperature: 0 }), 0.5);
    expect(trace.chosenId).toBe(300);
    expect(trace.final[300]).toBe(1);
  });

  it('approaches the argmax as the temperature goes to 0', () => {
    const logits = randomLogits(1000, 4);
    const best = argmax(logits);
    let previous = 0;
    for (const t of [1, 0.3, 0.1, 0.01]) {
      const trace = samplingPipeline(logits, settings({ temperature: t }), 0.99);
      expect(trace.final[best]).toBeGreaterThanOrEqual(previous);
      previous = trace.final[best];
    }
    expect(previous).toBeGreaterThan(0.99);
  });

  it('top-k keeps exactly k tokens when there are no ties', () => {
    const logits = randomLogits(5000, 5);
    for (const k of [1, 2, 10, 257]) {
      const trace = samplingPipeline(logits, settings({ topK: k }), 0.5);
      expect(trace.keptCount).toBe(k);
      expect(trace.cutoffs.topK?.removed).toBe(5000 - k);
      const sorted = Array.from(logits).sort((a, b) => b - a);
      for (const id of keptIds(trace.removedBy)) expect(logits[id]).toBeGreaterThanOrEqual(sorted[k - 1]);
      expect(trace.cutoffs.topK?.kthLogit).toBe(sorted[k - 1]);
    }
  });

  it('top-k keeps every token tied with the k-th', () => {
    const logits = new Float32Array([5, 4, 3, 3, 3, 1, 0]);
    const trace = samplingPipeline(logits, settings({ topK: 3 }), 0.5);
    expect(keptIds(trace.removedBy)).toEqual([0, 1, 2, 3, 4]);
  });

  it('top-p keeps the smallest set whose mass reaches p', () => {
    for (let trial = 0; trial < 10; trial++) {
      const logits = randomLogits(3000, 100 + trial, 2);
      const p = 0.2 + trial * 0.07;
      const trace = samplingPipeline(logits, settings({ topP: p }), 0.5);
      const kept = keptIds(trace.removedBy).map((id) => trace.probs[id]);
      const mass = sum(kept);
      expect(mass).toBeGreaterThanOrEqual(p - 1e-6);
      expect(mass - Math.min(...kept)).toBeLessThan(p);
      // every kept token is more likely than every removed one
      const removed = Array.from(trace.probs).filter((_, id) => trace.removedBy[id] !== REMOVAL_NONE);
      expect(Math.min(...kept)).toBeGreaterThanOrEqual(Math.max(...removed));
      expect(trace.cutoffs.topP?.cumulativeAtCut).toBeCloseTo(mass, 5);
    }
  });

  it('top-p measures mass after top-k has renormalised the survivors', () => {
    const logits = randomLogits(3000, 9, 1);
    const trace = samplingPipeline(logits, settings({ topK: 10, topP: 0.5 }), 0.5);
    const topTen = Array.from(trace.probs).sort((a, b) => b - a).slice(0, 10);
    const massTen = sum(topTen);
    const kept = keptIds(trace.removedBy).map((id) => trace.probs[id] / massTen);
    expect(sum(kept)).toBeGreaterThanOrEqual(0.5 - 1e-6);
    expect(sum(kept) - Math.min(...kept)).toBeLessThan(0.5);
  });

  it('min-p removes exactly the tokens below minP times the top probability', () => {
    const logits = randomLogits(3000, 11, 2);
    const trace = samplingPipeline(logits, settings({ minP: 0.1 }), 0.5);
    const top = Math.max(...trace.probs);
    for (let id = 0; id < logits.length; id++) {
      expect(trace.removedBy[id] !== REMOVAL_NONE).toBe(trace.probs[id] < 0.1 * top);
    }
    expect(trace.cutoffs.minP?.threshold).toBeCloseTo(0.1 * top, 9);
  });

  it('blames each removed token on the first filter that removes it', () => {
    const logits = randomLogits(3000, 12, 2);
    const trace = samplingPipeline(logits, settings({ topK: 50, topP: 0.6, minP: 0.3 }), 0.5);
    const byRank = Array.from(trace.scaled.keys()).sort((a, b) => trace.scaled[b] - trace.scaled[a]);
    for (const id of byRank.slice(50)) expect(trace.removedBy[id]).toBe(REMOVAL_TOP_K);
    expect(new Set(byRank.slice(0, 50).map((id) => trace.removedBy[id])).has(REMOVAL_TOP_P)).toBe(true);
    expect(trace.keptCount).toBeGreaterThanOrEqual(1);
  });

  it('the repetition penalty lowers the logits of tokens already in the context', () => {
    const logits = new Float32Array([2, -2, 1, 0.5]);
    const trace = samplingPipeline(logits, settings({ repetitionPenalty: 2 }), 0.5, [0, 1, 1]);
    expect(Array.from(trace.penalized)).toEqual([1, -4, 1, 0.5]);
    expect(Array.from(trace.penalizedIds).sort()).toEqual([0, 1]);
    expect(Array.from(logits)).toEqual([2, -2, 1, 0.5]);
  });

  it('chooses the token whose cumulative interval contains the draw', () => {
    const logits = randomLogits(500, 13, 1);
    const s = settings({ temperature: 1.2, topK: 40, topP: 0.9 });
    const order = (trace: ReturnType<typeof samplingPipeline>) =>
      keptIds(trace.removedBy).sort((a, b) => trace.final[b] - trace.final[a] || a - b);
    for (const u of [0, 0.1, 0.5, 0.9, 0.9999999]) {
      const trace = samplingPipeline(logits, s, u);
      const ids = order(trace);
      const { rank, cumulativeBefore, cumulativeAfter } = trace.draw;
      expect(ids[rank]).toBe(trace.chosenId);
      expect(cumulativeBefore).toBeCloseTo(sum(ids.slice(0, rank).map((id) => trace.final[id])), 6);
      expect(cumulativeAfter - cumulativeBefore).toBeCloseTo(trace.final[trace.chosenId], 6);
      expect(u).toBeGreaterThanOrEqual(cumulativeBefore - 1e-9);
      expect(u).toBeLessThan(cumulativeAfter + 1e-6);
    }
    expect(samplingPipeline(logits, s, 0).chosenId).toBe(argmax(logits));
  });

  it('draws tokens with the frequencies of the final distribution', () => {
    const logits = new Float32Array([2, 1.5, 1, 0, -1, -3]);
    const s = settings({ temperature: 0.9, topK: 4 });
    const counts = new Array<number>(6).fill(0);
    const runs = 20000;
    for (let i = 0; i < runs; i++) counts[samplingPipeline(logits, s, drawUniform(7, i)).chosenId]++;
    const expected = samplingPipeline(logits, s, 0).final;
    for (let id = 0; id < 6; id++) expect(Math.abs(counts[id] / runs - expected[id])).toBeLessThan(0.015);
    expect(counts[4] + counts[5]).toBe(0);
  });

  it('lists the top candidates with probabilities before and after the filters', () => {
    const logits = randomLogits(5000, 14);
    const trace = samplingPipeline(logits, settings({ temperature: 0.7, topK: 10 }), 0.5);
    const candidates = topCandidates(trace, 100);
    expect(candidates).toHaveLength(100);
    const sorted = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a]);
    expect(candidates.map((c) => c.id)).toEqual(sorted.slice(0, 100));
    expect(candidates.slice(10).every((c) => c.prob === 0 && c.removedBy === 'top-k')).toBe(true);
    expect(sum(candidates.slice(0, 10).map((c) => c.prob))).toBeCloseTo(1, 5);
    const lse = Math.log(sum(Array.from(logits, Math.exp)));
    for (const c of candidates) expect(c.rawProb).toBeCloseTo(Math.exp(logits[c.id] - lse), 7);
  });

  it('measures entropy in bits', () => {
    expect(entropyBits(new Float32Array(8).fill(1 / 8))).toBeCloseTo(3, 6);
    expect(entropyBits(new Float32Array([0, 1, 0]))).toBe(0);
    expect(entropyBits(new Float32Array([0.5, 0.25, 0.25]))).toBeCloseTo(1.5, 6);
    const logits = randomLogits(1000, 21);
    const fused = logSumExpAndEntropy(logits);
    expect(fused.entropyBits).toBeCloseTo(entropyBits(softmaxWithStats(logits).probs), 4);
    expect(fused.logSumExp).toBeCloseTo(Math.log(sum(Array.from(logits, Math.exp))), 9);
    // a partial distribution: the −∞ entries are tokens the server did not report, and count for nothing
    const partial = new Float32Array([2, -Infinity, 0.5, -Infinity, -1]);
    const known = new Float32Array([2, 0.5, -1]);
    expect(logSumExpAndEntropy(partial).entropyBits).toBeCloseTo(entropyBits(softmaxWithStats(known).probs), 6);
    expect(logSumExpAndEntropy(partial).logSumExp).toBeCloseTo(Math.log(Math.exp(2) + Math.exp(0.5) + Math.exp(-1)), 6);
    expect(logSumExpAndEntropy(new Float32Array([-Infinity, -Infinity]))).toEqual({ logSumExp: -Infinity, entropyBits: 0 });
  });

  it('one softmax pass gives the plain softmax bit for bit, and the figures of logSumExpAndEntropy exactly', () => {
    for (const x of [randomLogits(3000, 31), new Float32Array([2, -Infinity, 0.5, -Infinity, -1]), new Float32Array([1, 1, 1])]) {
      const { probs, logSumExp, entropyBits: bits } = softmaxWithStats(x);
      // the textbook softmax, written out here
      let max = -Infinity;
      for (const v of x) max = Math.max(max, v);
      const e = Array.from(x, (v) => Math.exp(v - max));
      const total = e.reduce((a, b) => a + b, 0);
      const plain = new Float32Array(e);
      for (let i = 0; i < plain.length; i++) plain[i] *= 1 / total;
      expect(probs).toEqual(plain);
      expect({ logSumExp, entropyBits: bits }).toEqual(logSumExpAndEntropy(x));
    }
  });

  it("reports the final distribution's entropy, filtered or not, as the plain definition does", () => {
    const logits = randomLogits(4000, 33);
    const allowed = new Int32Array(Math.ceil(4000 / 32)).fill(0x55555555); // every other token
    const cases: [Partial<SamplingSettings>, Int32Array?][] = [
      [{ temperature: 1 }],
      [{ temperature: 0.7 }],
      [{ temperature: 1, repetitionPenalty: 1.3 }],
      [{ temperature: 1, topK: 40 }],
      [{ temperature: 1.2, topP: 0.8, minP: 0.01 }],
      [{ temperature: 1 }, allowed],
      [{ temperature: 0 }],
    ];
    for (const [partial, mask] of cases) {
      const trace = samplingPipeline(logits, settings(partial), 0.42, [1, 2, 3], mask);
      // float64 exponentials against float32 probabilities: equal to far below what is shown (3 decimals)
      expect(trace.finalEntropyBits, JSON.stringify(partial)).toBeCloseTo(entropyBits(trace.final), 6);
      // the model's own figures never depend on the settings
      expect(trace.rawLogSumExp).toBe(logSumExpAndEntropy(logits).logSumExp);
      expect(trace.rawEntropyBits).toBe(logSumExpAndEntropy(logits).entropyBits);
    }
  });
});

describe('seeded draws', () => {
  it('are a pure function of seed, step and branch', () => {
    expect(drawUniform(42, 7, 0)).toBe(drawUniform(42, 7, 0));
    const draws = new Set([drawUniform(42, 7, 0), drawUniform(43, 7, 0), drawUniform(42, 8, 0), drawUniform(42, 7, 1)]);
    expect(draws.size).toBe(4);
  });

  it('are uniform on [0, 1)', () => {
    const n = 20000;
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) {
      const u = drawUniform(1, i, 3);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      bins[Math.floor(u * 10)]++;
    }
    for (const b of bins) expect(Math.abs(b / n - 0.1)).toBeLessThan(0.01);
  });

  it('give the same tokens for the same seed and settings', () => {
    const logits = randomLogits(1000, 17);
    const s = settings({ temperature: 1.3, seed: 123 });
    const run = () => Array.from({ length: 50 }, (_, step) => samplingPipeline(logits, s, drawUniform(s.seed, step)).chosenId);
    expect(run()).toEqual(run());
    const other = Array.from({ length: 50 }, (_, step) => samplingPipeline(logits, s, drawUniform(124, step)).chosenId);
    expect(other).not.toEqual(run());
  });
});

