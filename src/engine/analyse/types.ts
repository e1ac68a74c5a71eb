/**
 * Text analysis ("how surprising is every token of this text to the loaded model?"): plain data only, so results
 * can be posted from the worker with their typed arrays in the transfer list.
 */

import type { PackedTexts } from './tokenTexts';

/** Top alternatives kept per position. */
export const TOP_ALTERNATIVES = 5;

/** Per-token arrays for the analysed text (the text's own tokens; a prepended BOS is not among them). */
export interface TokenAnalysis {
  /** token ids of the text, length T */
  ids: Int32Array;
  /** the text each token adds (decoded in context so multi-byte characters come out whole; may be '' for a byte piece),
   * packed (tokenTexts.ts: `textAt(texts, i)`) */
  texts: PackedTexts;
  /** probability the model gave this token at its position; NaN where the token has no prediction (the first token
   * of a text analysed without a BOS) */
  prob: Float32Array;
  /**
   * 1 + the number of vocabulary entries with a strictly greater logit (1 = the model's top choice); 0 when unscored.
   * From a server's partial distribution (AnalysisResult.partial) a rank may be unknown beyond the top N the server
   * reported: it is then N + 1, read "beyond N" (`partial.rankBeyond`), not an exact rank.
   */
  rank: Int32Array;
  /** −log₂ p, bits; NaN when unscored */
  surprisal: Float32Array;
  /** entropy of the whole predicted distribution at this position, bits; NaN when unscored, and NaN for every token
   * of a partial analysis (a server's top N do not give the entropy of the whole distribution) */
  entropy: Float32Array;
  /** how many tokens the prediction saw (the BOS included); 0 when unscored */
  contextTokens: Int32Array;
  /** which window scored the token; -1 when unscored */
  window: Int32Array;
  /** TOP_ALTERNATIVES per token: the model's best candidates at that position, best first (-1 when unscored, and
   * after the last one a server reported) */
  topIds: Int32Array;
  topProbs: Float32Array;
  /** text of every id in topIds (decoded alone) */
  altTexts: Record<number, string>;
}

export interface AnalysisPlan {
  /** tokens of the text (without any prefix) */
  tokens: number;
  /** ids put before every window: [bos] when the model has one, else [] */
  prefixIds: number[];
  /** the model's context window (positions per forward window) */
  contextWindow: number;
  /** new tokens scored by each window after the first; the rest of that window is context already scored */
  stride: number;
  windows: number;
}

/**
 * How a partial analysis (a server scoring the text as a prompt, from the top N log-probabilities at each position)
 * differs from a full one: prob and surprisal are exact; entropy is NaN (unknown); topIds/topProbs hold the server's
 * best (at most min(N, TOP_ALTERNATIVES)); ids are the server backend's own numbering (altTexts names them).
 */
export interface PartialAnalysis {
  /** N: the log-probabilities the server reported per position */
  topN: number;
  /**
   * The rank that means "not among the top N, exact rank unknown" (N + 1). null when every rank is exact (vLLM's
   * `prompt_logprobs` give the model's rank of each token, however low).
   */
  rankBeyond: number | null;
  /** the server put a BOS before the text (not among the tokens): contextTokens count it */
  prefixed: boolean;
}

export interface AnalysisResult extends TokenAnalysis {
  modelId: string;
  /** present when the analysis came from a server's partial distribution (see PartialAnalysis); absent when full */
  partial?: PartialAnalysis;
  plan: AnalysisPlan;
  /** UTF-8 bytes of the analysed text */
  bytes: number;
  ms: number;
  /** the summary measures, computed in the worker (summary.ts `summariseScores`) */
  summary: AnalysisStats;
}

export interface AnalysisProgress {
  window: number;
  windows: number;
  tokensDone: number;
  tokensTotal: number;
}

/** Rank buckets: a token with rank r falls in the first bucket whose threshold is ≥ r, else in "beyond". */
export const DEFAULT_RANK_THRESHOLDS: readonly number[] = [1, 10, 100, 1000];

/** How many of the most surprising tokens a summary lists. */
export const MOST_SURPRISING = 12;

/**
 * What the worker summarises once per analysis: every measure that does not depend on the user's rank thresholds,
 * and the ranks as a cumulative histogram from which the bucket counts for any thresholds take a few binary searches
 * (summary.ts `summaryOf`). Nothing here is per token: the UI never walks 70,000 positions to show it.
 */
export interface AnalysisStats {
  /** tokens with a prediction */
  scored: number;
  totalBits: number;
  bitsPerToken: number;
  /** 2^(bits per token) */
  perplexity: number;
  meanEntropyBits: number;
  /** indices of the MOST_SURPRISING most surprising tokens, most surprising first (ties: the earlier first) */
  mostSurprising: number[];
  /** the distinct ranks (≥ 1) of the scored tokens, ascending */
  rankValues: Int32Array;
  /** rankAtMost[j]: how many scored tokens have a rank ≤ rankValues[j] */
  rankAtMost: Uint32Array;
}

/** The summary the Analyse lab shows: the worker's AnalysisStats, with the bucket counts for the user's thresholds. */
export interface AnalysisSummary {
  /** tokens with a prediction */
  scored: number;
  totalBits: number;
  bitsPerToken: number;
  bitsPerByte: number;
  /** 2^(bits per token) */
  perplexity: number;
  meanEntropyBits: number;
  /** one count per bucket: thresholds.length + 1 entries (the last is "beyond") */
  bucketCounts: number[];
  /** indices of the most surprising tokens, most surprising first */
  mostSurprising: number[];
}
