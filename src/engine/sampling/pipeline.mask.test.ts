/**
 * The grammar mask stage: it removes exactly the forbidden tokens and otherwise leaves the pipeline's maths as they
 * are — masking is the same as handing the pipeline logits with −∞ at the forbidden ids.
 */
import { describe, expect, it } from 'vitest';
import { Mulberry32, drawUniform } from './rng';
import { samplingPipeline, topCandidates } from './pipeline';
import { randomIds, randomLogits } from './testUtils';
import { DEFAULT_SAMPLING, REMOVAL_GRAMMAR, REMOVAL_NONE, type FilterCutoffs, type SamplingSettings } from './types';

const VOCAB = 1500;

/** A random bitmask allowing about `share` of the vocabulary (at least one token). */
function randomMask(seed: number, share: number): { bitmask: Int32Array; allowed: Set<number> } {
  const rng = new Mulberry32(seed);
  const bitmask = new Int32Array(Math.ceil(VOCAB / 32));
  const allowed = new Set<number>();
  for (let id = 0; id < VOCAB; id++) {
    if (rng.next() < share || (id === VOCAB - 1 && allowed.size === 0)) {
      bitmask[id >> 5] |= 1 << (id & 31);
      allowed.add(id);
    }
  }
  return { bitmask, allowed };
}

const SETTINGS: Partial<SamplingSettings>[] = [
  {},
  { temperature: 0.7, topK: 5 },
  { temperature: 1.3, topP: 0.8 },
  { temperature: 0.5, minP: 0.1, repetitionPenalty: 1.3 },
  { temperature: 0, topK: 3 },
  { topK: 40, topP: 0.95, repetitionPenalty: 0.8 },
];

describe('grammar mask stage', () => {
  it('gives the same distribution and draw as logits with −∞ at the forbidden tokens', () => {
    for (let trial = 0; trial < 60; trial++) {
      const settings = { ...DEFAULT_SAMPLING, ...SETTINGS[trial % SETTINGS.length] };
      const logits = randomLogits(VOCAB, 100 + trial);
      const { bitmask, allowed } = randomMask(trial, [0.002, 0.05, 0.5, 0.97][trial % 4]);
      const previous = randomIds(20, VOCAB, trial);
      const u = drawUniform(7, trial);
      const masked = samplingPipeline(logits, settings, u, previous, bitmask);
      const minusInf = Float32Array.from(logits, (v, id) => (allowed.has(id) ? v : -Infinity));
      const reference = samplingPipeline(minusInf, settings, u, previous);

      expect(masked.chosenId).toBe(reference.chosenId);
      expect(allowed.has(masked.chosenId)).toBe(true);
      expect(masked.draw).toEqual(reference.draw);
      expect(Array.from(masked.final)).toEqual(Array.from(reference.final));
      expect(Array.from(masked.probs)).toEqual(Array.from(reference.probs));
      if (!masked.greedy) expect(masked.keptCount).toBe(allowed.size - countFilteredAllowed(masked.removedBy, allowed));
      // same cut-offs; a filter's `removed` counts only allowed tokens (the mask removed the others first)
      if (settings.topK === 0 || settings.topK < allowed.size) expect(withoutCounts(masked.cutoffs)).toEqual(withoutCounts(reference.cutoffs));
      for (let id = 0; id < VOCAB; id++) {
        if (!allowed.has(id)) expect(masked.removedBy[id]).toBe(REMOVAL_GRAMMAR);
        else expect(masked.removedBy[id]).toBe(reference.removedBy[id]);
      }
      // the logits the penalty saw are the model's own, unmasked
      expect(Array.from(masked.raw)).toEqual(Array.from(logits));
    }
  });

  it('reports the mass removed as 1 − Σ softmax(raw) over the allowed tokens', () => {
    for (let trial = 0; trial < 20; trial++) {
      const logits = randomLogits(VOCAB, 300 + trial, 4);
      const { bitmask, allowed } = randomMask(50 + trial, [0.01, 0.3, 0.9][trial % 3]);
      const trace = samplingPipeline(logits, { ...DEFAULT_SAMPLING, temperature: 0.6 }, 0.5, [], bitmask);
      let max = -Infinity;
      for (const v of logits) max = Math.max(max, v);
      let total = 0;
      let allowedSum = 0;
      for (let id = 0; id < VOCAB; id++) {
        const e = Math.exp(logits[id] - max);
        total += e;
        if (allowed.has(id)) allowedSum += e;
      }
      expect(trace.mask?.removedMass).toBeCloseTo(1 - allowedSum / total, 9);
      expect(trace.mask?.allowedCount).toBe(allowed.size);
      expect(trace.mask?.removed).toBe(VOCAB - allowed.size);
    }
  });

  it('lists the allowed tokens best first and the forbidden favourites struck, in the model’s order', () => {
    const logits = randomLogits(VOCAB, 9, 3);
    const { bitmask, allowed } = randomMask(9, 0.02);
    const trace = samplingPipeline(logits, { ...DEFAULT_SAMPLING, temperature: 0.8 }, 0.3, [], bitmask);
    const rows = topCandidates(trace, 20);
    const allowedRows = rows.filter((r) => r.removedBy === null);
    const forbiddenRows = rows.filter((r) => r.removedBy === 'grammar');
    expect(allowedRows.length).toBe(Math.min(20, allowed.size));
    expect(forbiddenRows.length).toBeGreaterThan(0);
    expect(forbiddenRows.every((r) => !allowed.has(r.id) && r.prob === 0 && r.rawProb > 0)).toBe(true);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1].scaledLogit).toBeGreaterThanOrEqual(rows[i].scaledLogit);
    // the best forbidden token the model wanted is listed
    let best = -1;
    for (let id = 0; id < VOCAB; id++) if (!allowed.has(id) && (best < 0 || logits[id] > logits[best])) best = id;
    expect(forbiddenRows[0].id).toBe(best);
    expect(forbiddenRows[0].scaledLogit).toBeCloseTo(logits[best] / 0.8, 5);
  });

  it('refuses a mask that allows nothing', () => {
    expect(() => samplingPipeline(randomLogits(64, 1), DEFAULT_SAMPLING, 0.5, [], new Int32Array(2))).toThrow(/allows no token/);
  });
});

function withoutCounts(cutoffs: FilterCutoffs) {
  return Object.fromEntries(Object.entries(cutoffs).map(([name, c]) => [name, c && { ...c, removed: undefined }]));
}

function countFilteredAllowed(removedBy: Uint8Array, allowed: Set<number>): number {
  let n = 0;
  for (const id of allowed) if (removedBy[id] !== REMOVAL_NONE) n++;
  return n;
}
