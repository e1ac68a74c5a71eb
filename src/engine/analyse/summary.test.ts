/**
 * The worker's summary (summariseScores, then summaryOf for the user's thresholds) against the definition the UI
 * used to compute on its own thread, and the packed token texts against the strings they replace, through the
 * structured clone (with its transfer list) that carries them from the worker.
 */
import { describe, expect, it } from 'vitest';
import { responseTransferables, type AnalyseTextResponse } from '../protocol';
import { rankBucket, summariseScores, summaryOf } from './summary';
import { endsLine, packTexts, textAt, textCount, textsIn } from './tokenTexts';
import { DEFAULT_RANK_THRESHOLDS, MOST_SURPRISING, TOP_ALTERNATIVES, type AnalysisResult, type AnalysisSummary, type TokenAnalysis } from './types';

/** The summary as the Analyse lab defined it: one pass for the sums and buckets, a full sort for the most surprising. */
function reference(a: Pick<TokenAnalysis, 'surprisal' | 'entropy' | 'rank'>, bytes: number, thresholds: readonly number[], topN: number): AnalysisSummary {
  let scored = 0;
  let totalBits = 0;
  let totalEntropy = 0;
  const bucketCounts = new Array<number>(thresholds.length + 1).fill(0);
  for (let i = 0; i < a.surprisal.length; i++) {
    if (Number.isNaN(a.surprisal[i])) continue;
    scored++;
    totalBits += a.surprisal[i];
    totalEntropy += a.entropy[i];
    bucketCounts[rankBucket(a.rank[i], thresholds)]++;
  }
  const order = [...a.surprisal.keys()].filter((i) => !Number.isNaN(a.surprisal[i])).sort((x, y) => a.surprisal[y] - a.surprisal[x] || x - y);
  const bitsPerToken = scored ? totalBits / scored : NaN;
  return {
    scored,
    totalBits,
    bitsPerToken,
    bitsPerByte: bytes > 0 && scored ? totalBits / bytes : NaN,
    perplexity: scored ? Math.pow(2, bitsPerToken) : NaN,
    meanEntropyBits: scored ? totalEntropy / scored : NaN,
    bucketCounts,
    mostSurprising: order.slice(0, topN),
  };
}

function lcg(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

/** Random scores with what real ones hold: unscored positions (NaN, rank 0), infinite surprisal, ties, ranks from 1 to a vocabulary's size. */
function randomScores(n: number, seed: number): Pick<TokenAnalysis, 'surprisal' | 'entropy' | 'rank'> {
  const rand = lcg(seed);
  const surprisal = new Float32Array(n);
  const entropy = new Float32Array(n);
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rand();
    const unscored = u < 0.04;
    surprisal[i] = unscored ? NaN : u < 0.06 ? Infinity : Math.round(rand() * 80) / 4;
    entropy[i] = unscored ? NaN : rand() * 12;
    rank[i] = unscored ? 0 : rand() < 0.5 ? 1 + Math.floor(rand() * 12) : 1 + Math.floor(rand() ** 3 * 50_000);
  }
  return { surprisal, entropy, rank };
}

describe("the worker's summary", () => {
  const THRESHOLDS: (readonly number[])[] = [DEFAULT_RANK_THRESHOLDS, [1], [], [2, 3, 4], [5, 50, 500, 5000, 50_000], [10, 5, 100], [1000, 10], [7.5, 20]];

  it('equals what the UI computed, for every measure, bucket threshold and size (exactly, not approximately)', () => {
    for (const [n, seed] of [[0, 1], [1, 2], [13, 3], [5000, 4], [20_000, 5]]) {
      const a = randomScores(n, seed);
      const stats = summariseScores(a);
      for (const bytes of [0, 3 * n + 1]) {
        for (const thresholds of THRESHOLDS) expect(summaryOf({ summary: stats, bytes }, thresholds)).toEqual(reference(a, bytes, thresholds, MOST_SURPRISING));
      }
    }
  });

  it('lists the most surprising a full sort puts first, for any count (ties by position)', () => {
    const a = randomScores(5000, 7);
    for (const topN of [0, 1, 12, 200, 5000]) expect(summariseScores(a, topN).mostSurprising).toEqual(reference(a, 1, [], topN).mostSurprising);
  });

  it('counts a text with nothing scored as nothing (NaN measures, empty buckets)', () => {
    const n = 4;
    const stats = summariseScores({ surprisal: new Float32Array(n).fill(NaN), entropy: new Float32Array(n).fill(NaN), rank: new Int32Array(n) });
    expect(summaryOf({ summary: stats, bytes: 10 }, DEFAULT_RANK_THRESHOLDS)).toEqual({ scored: 0, totalBits: 0, bitsPerToken: NaN, bitsPerByte: NaN, perplexity: NaN, meanEntropyBits: NaN, bucketCounts: [0, 0, 0, 0, 0], mostSurprising: [] });
  });

  it('keeps the ranks as a cumulative histogram of distinct values', () => {
    const stats = summariseScores({ surprisal: Float32Array.from([1, 2, NaN, 3, 4, 5]), entropy: new Float32Array(6), rank: Int32Array.from([7, 1, 0, 7, 300, 1]) });
    expect(Array.from(stats.rankValues)).toEqual([1, 7, 300]);
    expect(Array.from(stats.rankAtMost)).toEqual([2, 4, 5]);
  });
});

describe('packed token texts', () => {
  const TEXTS = ['', 'The', ' ship', '\n', '', ' 😀', 'é\n', ', "x"', '\t', '', 'end\n'];

  it('give back every text, in order, as the strings they were', () => {
    const packed = packTexts(TEXTS);
    expect(textCount(packed)).toBe(TEXTS.length);
    expect(packed.joined).toBe(TEXTS.join(''));
    TEXTS.forEach((t, i) => expect(textAt(packed, i)).toBe(t));
    expect(textsIn(packed)).toEqual(TEXTS);
    expect(textsIn(packed, 2, 7)).toEqual(TEXTS.slice(2, 7));
    expect(textsIn(packed, -3, 99)).toEqual(TEXTS);
    expect([textAt(packed, -1), textAt(packed, TEXTS.length)]).toEqual(['', '']);
    TEXTS.forEach((t, i) => expect(endsLine(packed, i)).toBe(t.endsWith('\n')));
    expect(textsIn(packTexts([]))).toEqual([]);
  });

  it('cross from the worker in its transfer list with the analysis, and read back the same', () => {
    const n = TEXTS.length;
    const scores = randomScores(n, 9);
    const result: AnalysisResult = {
      ids: Int32Array.from(TEXTS.keys()),
      texts: packTexts(TEXTS),
      prob: new Float32Array(n),
      ...scores,
      contextTokens: new Int32Array(n),
      window: new Int32Array(n),
      topIds: new Int32Array(n * TOP_ALTERNATIVES),
      topProbs: new Float32Array(n * TOP_ALTERNATIVES),
      altTexts: {},
      modelId: 'm',
      plan: { tokens: n, prefixIds: [], contextWindow: 8, stride: 4, windows: 1 },
      bytes: 40,
      ms: 1,
      summary: summariseScores(scores),
    };
    const response: AnalyseTextResponse = { type: 'analysis-done', result };
    const expected = { texts: [...TEXTS], summary: summaryOf(result, DEFAULT_RANK_THRESHOLDS) };
    const sent = [result.texts.ends, result.summary.rankValues, result.summary.rankAtMost, result.rank];
    const back = structuredClone(response, { transfer: responseTransferables(response) });
    // moved, not copied: the worker's arrays are detached
    for (const a of sent) expect(a.byteLength).toBe(0);
    if (back.type !== 'analysis-done') throw new Error('the response changed type');
    expect(textsIn(back.result.texts)).toEqual(expected.texts);
    expect(summaryOf(back.result, DEFAULT_RANK_THRESHOLDS)).toEqual(expected.summary);
  });
});
