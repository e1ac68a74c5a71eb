import { describe, expect, it } from 'vitest';
import { samplingPipeline } from './pipeline';
import { Mulberry32, drawUniform } from './rng';
import { DEFAULT_SAMPLING, type SamplingSettings } from './types';

/** The draw as the definition says: sort by scaled logit (ties: lower id), add the final probabilities in float64. */
function walkedDraw(scaled: Float32Array, final: Float32Array, u: number) {
  const ids = Array.from(scaled.keys()).sort((a, b) => scaled[b] - scaled[a] || a - b);
  let cumulative = 0;
  for (let rank = 0; rank < ids.length; rank++) {
    const q = final[ids[rank]];
    if (u < cumulative + q) return { id: ids[rank], rank, cumulativeBefore: cumulative, cumulativeAfter: cumulative + q };
    cumulative += q;
  }
  // rounding left the total under u: the last token with non-zero mass
  let rank = ids.length - 1;
  while (rank > 0 && final[ids[rank]] === 0) rank--;
  const q = final[ids[rank]];
  return { id: ids[rank], rank, cumulativeBefore: Math.max(0, cumulative - q), cumulativeAfter: cumulative };
}

/** Gaussian logits with standard deviation `sd`: small sd gives the flat distributions of a random-weight model. */
function gaussianLogits(n: number, sd: number, seed: number, ties = false): Float32Array {
  const rng = new Mulberry32(seed);
  return Float32Array.from({ length: n }, () => {
    let s = 0;
    for (let i = 0; i < 12; i++) s += rng.next();
    const x = (s - 6) * sd;
    return ties ? Math.round(x * 20) / 20 : x;
  });
}

describe('the draw', () => {
  it('lands deep in a flat distribution on exactly the token, rank and cumulative mass of the sorted walk', () => {
    const cases: [number, number, Partial<SamplingSettings>][] = [
      [49152, 0.5, {}],
      [8192, 0.05, {}],
      [20000, 1, { temperature: 1.7 }],
      [20000, 0.5, { topK: 9000 }],
      [20000, 0.5, { topP: 0.8 }],
      [20000, 0.5, { minP: 0.5 }],
      [30000, 0.5, { repetitionPenalty: 1.3 }],
    ];
    let deep = 0;
    for (const [i, [n, sd, patch]] of cases.entries()) {
      for (const ties of [false, true]) {
        const logits = gaussianLogits(n, sd, 7 + i, ties);
        for (let k = 0; k < 12; k++) {
          const u = k === 0 ? 1 - Number.EPSILON : k === 1 ? 0 : drawUniform(3, k + 20 * i);
          const trace = samplingPipeline(logits, { ...DEFAULT_SAMPLING, ...patch }, u, [1, 2, 3, 50, 70]);
          const want = walkedDraw(trace.scaled, trace.final, u);
          expect({ id: trace.chosenId, rank: trace.draw.rank, before: trace.draw.cumulativeBefore, after: trace.draw.cumulativeAfter, u: trace.draw.u }).toEqual({
            id: want.id,
            rank: want.rank,
            before: want.cumulativeBefore,
            after: want.cumulativeAfter,
            u,
          });
          if (want.rank > 1000) deep++;
        }
      }
    }
    expect(deep).toBeGreaterThan(50); // the draws really went past the sorted head
  });

  it('matches the sorted walk on a peaked distribution, whose tiny tail probabilities rule out selection', () => {
    const logits = gaussianLogits(5000, 8, 99);
    for (let k = 0; k < 10; k++) {
      const u = drawUniform(5, k);
      const trace = samplingPipeline(logits, DEFAULT_SAMPLING, u);
      const want = walkedDraw(trace.scaled, trace.final, u);
      expect([trace.chosenId, trace.draw.rank, trace.draw.cumulativeBefore]).toEqual([want.id, want.rank, want.cumulativeBefore]);
    }
  });
});
