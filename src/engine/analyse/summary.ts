/** Summary measures of an analysis; pure, so the UI re-derives them when the user changes the thresholds. */
import type { AnalysisSummary, TokenAnalysis } from './types';

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

export function summarise(a: Pick<TokenAnalysis, 'surprisal' | 'entropy' | 'rank'>, bytes: number, thresholds: readonly number[], topN = 10): AnalysisSummary {
  let scored = 0;
  let totalBits = 0;
  let totalEntropy = 0;
  const bucketCounts = new Array<number>(thresholds.length + 1).fill(0);
  // the topN most surprising, kept in order as they are met (sorting all 70,000 positions of a long text to take 12
  // cost most of a long task in the page)
  const before = (x: number, y: number) => (a.surprisal[y] - a.surprisal[x] || x - y) < 0;
  const top: number[] = [];
  for (let i = 0; i < a.surprisal.length; i++) {
    const s = a.surprisal[i];
    if (Number.isNaN(s)) continue;
    scored++;
    totalBits += s;
    totalEntropy += a.entropy[i];
    bucketCounts[rankBucket(a.rank[i], thresholds)]++;
    if (top.length === topN && (topN === 0 || !before(i, top[topN - 1]))) continue;
    let at = top.length;
    while (at > 0 && before(i, top[at - 1])) at--;
    top.splice(at, 0, i);
    if (top.length > topN) top.pop();
  }
  const bitsPerToken = scored ? totalBits / scored : NaN;
  return {
    scored,
    totalBits,
    bitsPerToken,
    bitsPerByte: bytes > 0 && scored ? totalBits / bytes : NaN,
    perplexity: scored ? Math.pow(2, bitsPerToken) : NaN,
    meanEntropyBits: scored ? totalEntropy / scored : NaN,
    bucketCounts,
    mostSurprising: top,
  };
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
