/** Summary measures of an analysis: pure. The worker summarises the scores once; the UI adds the bucket counts for its thresholds. */
import { MOST_SURPRISING, type AnalysisStats, type AnalysisSummary, type TokenAnalysis } from './types';

/** Bucket of a rank: the first threshold ≥ rank, else thresholds.length ("beyond"). -1 for an unscored token. */
export function rankBucket(rank: number, thresholds: readonly number[]): number {
  if (!(rank >= 1)) return -1;
  for (let b = 0; b < thresholds.length; b++) if (rank <= thresholds[b]) return b;
  return thresholds.length;
}

/** Labels such as "top-1", "top-10", …, "beyond 1000". */
export function bucketLabels(thresholds: readonly number[]): string[] {
  return [...thresholds.map((t) => `top-${t}`), `beyond ${thresholds[thresholds.length - 1] ?? 0}`];
}

/** Thresholds as the user typed them, made usable: positive integers, strictly increasing. */
export function normaliseThresholds(values: readonly number[]): number[] {
  const out: number[] = [];
  for (const v of values) {
    const n = Math.floor(v);
    if (Number.isFinite(n) && n >= 1 && (out.length === 0 || n > out[out.length - 1])) out.push(n);
  }
  return out.length ? out : [1];
}

/**
 * The summary measures of an analysis that do not depend on the rank thresholds: computed in the worker, once, and
 * sent with the result (summing and ranking 70,000 positions on the UI thread cost a long task).
 */
export function summariseScores(a: Pick<TokenAnalysis, 'surprisal' | 'entropy' | 'rank'>, topN = MOST_SURPRISING): AnalysisStats {
  let scored = 0;
  let totalBits = 0;
  let totalEntropy = 0;
  const ranks = new Int32Array(a.surprisal.length);
  let ranked = 0;
  // the topN most surprising, kept in order as they are met (a sort of every position is far slower)
  const before = (x: number, y: number) => (a.surprisal[y] - a.surprisal[x] || x - y) < 0;
  const top: number[] = [];
  for (let i = 0; i < a.surprisal.length; i++) {
    const s = a.surprisal[i];
    if (Number.isNaN(s)) continue;
    scored++;
    totalBits += s;
    totalEntropy += a.entropy[i];
    if (a.rank[i] >= 1) ranks[ranked++] = a.rank[i];
    if (top.length === topN && (topN === 0 || !before(i, top[topN - 1]))) continue;
    let at = top.length;
    while (at > 0 && before(i, top[at - 1])) at--;
    top.splice(at, 0, i);
    if (top.length > topN) top.pop();
  }
  // the ranks as a cumulative histogram: distinct values ascending, and how many are at most each
  const sorted = ranks.subarray(0, ranked).sort();
  const values: number[] = [];
  const atMost: number[] = [];
  for (let j = 0; j < sorted.length; j++) {
    if (j + 1 < sorted.length && sorted[j + 1] === sorted[j]) continue;
    values.push(sorted[j]);
    atMost.push(j + 1);
  }
  const bitsPerToken = scored ? totalBits / scored : NaN;
  return {
    scored,
    totalBits,
    bitsPerToken,
    perplexity: scored ? Math.pow(2, bitsPerToken) : NaN,
    meanEntropyBits: scored ? totalEntropy / scored : NaN,
    mostSurprising: top,
    rankValues: Int32Array.from(values),
    rankAtMost: Uint32Array.from(atMost),
  };
}

/** How many scored tokens have a rank ≤ r (binary search in the worker's cumulative histogram). */
function ranksAtMost(s: Pick<AnalysisStats, 'rankValues' | 'rankAtMost'>, r: number): number {
  let lo = 0;
  let hi = s.rankValues.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s.rankValues[mid] <= r) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : s.rankAtMost[lo - 1];
}

/** Tokens per rank bucket (as `rankBucket` assigns them): thresholds.length + 1 counts, the last "beyond". */
function bucketCounts(s: Pick<AnalysisStats, 'rankValues' | 'rankAtMost'>, thresholds: readonly number[]): number[] {
  const counts: number[] = [];
  // a rank falls in the first bucket whose threshold is ≥ it: bucket b holds the ranks above every earlier threshold
  let covered = 0;
  for (const t of thresholds) {
    counts.push(t > covered ? ranksAtMost(s, t) - ranksAtMost(s, covered) : 0);
    covered = Math.max(covered, t);
  }
  const all = s.rankAtMost.length ? s.rankAtMost[s.rankAtMost.length - 1] : 0;
  counts.push(all - ranksAtMost(s, covered));
  return counts;
}

/** The summary shown for an analysis under the user's thresholds: the worker's measures, bits per byte, bucket counts. */
export function summaryOf(r: { summary: AnalysisStats; bytes: number }, thresholds: readonly number[]): AnalysisSummary {
  const { rankValues: _values, rankAtMost: _atMost, ...measures } = r.summary;
  const { scored, totalBits } = measures;
  return { ...measures, bitsPerByte: r.bytes > 0 && scored ? totalBits / r.bytes : NaN, bucketCounts: bucketCounts(r.summary, thresholds) };
}

/** Mean surprisal (bits) over tokens [from, to), unscored ones skipped. */
export function meanSurprisal(surprisal: ArrayLike<number>, from: number, to: number): number {
  let n = 0;
  let s = 0;
  for (let i = from; i < to; i++) {
    if (Number.isNaN(surprisal[i])) continue;
    n++;
    s += surprisal[i];
  }
  return n ? s / n : NaN;
}
