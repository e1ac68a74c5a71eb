/**
 * Types of the sampling pipeline. Everything here is plain data (numbers and typed arrays) so a trace can be
 * drawn by the UI, posted across the worker boundary, and checked by tests.
 */

/** The user's sampling controls. Neutral values turn a control off. */
export interface SamplingSettings {
  /** 0 = greedy (argmax); otherwise logits are divided by it. */
  temperature: number;
  /** 0 = off; otherwise keep only the k highest logits (ties with the k-th are kept). */
  topK: number;
  /** 1 = off; otherwise keep the smallest set of most-likely tokens whose mass reaches p. */
  topP: number;
  /** 0 = off; otherwise drop tokens whose probability is below minP × (the top probability). */
  minP: number;
  /** 1 = off; > 1 discourages tokens already in the context (prompt + generated), < 1 encourages them. */
  repetitionPenalty: number;
  /** Seed of the random draws; see `drawUniform` in rng.ts. */
  seed: number;
}

export const DEFAULT_SAMPLING: Readonly<SamplingSettings> = Object.freeze({
  temperature: 1,
  topK: 0,
  topP: 1,
  minP: 0,
  repetitionPenalty: 1,
  seed: 42,
});

/** Why a token was removed: the grammar's mask, or the first filter (in pipeline order) that removes it. */
export type RemovalReason = 'grammar' | 'top-k' | 'top-p' | 'min-p';

/** Codes stored in `SamplingTrace.removedBy` (a Uint8Array, one byte per vocabulary entry). */
export const REMOVAL_NONE = 0;
export const REMOVAL_TOP_K = 1;
export const REMOVAL_TOP_P = 2;
export const REMOVAL_MIN_P = 3;
export const REMOVAL_GRAMMAR = 4;
export const REMOVAL_REASONS: readonly (RemovalReason | null)[] = [null, 'top-k', 'top-p', 'min-p', 'grammar'];

/**
 * The grammar's mask at one step (grammar-constrained decoding). A token bitmask: bit (id & 31) of word (id >> 5)
 * set = the grammar allows token id next.
 */
export interface MaskStage {
  /** Tokens the grammar allows. */
  allowedCount: number;
  /** Tokens it forbids (removedBy = REMOVAL_GRAMMAR). */
  removed: number;
  /** The model's own probability (softmax of the raw logits, T = 1) of the forbidden tokens: 1 − Σ allowed. */
  removedMass: number;
  /** The forbidden tokens the model liked best (by penalised logit, best first; at most 16), so a chart can show
   * them struck through although they are not in `ranked`. */
  topForbidden: Int32Array;
}

export interface TopKCutoff {
  k: number;
  /** The k-th highest logit after penalty and temperature; tokens strictly below it are removed. */
  kthLogit: number;
  /** The k-th highest probability (`probs` stage); the bar chart's cut-off line. */
  kthProb: number;
  /** Number of tokens this filter removed. */
  removed: number;
}

export interface TopPCutoff {
  p: number;
  /**
   * Cumulative mass of the nucleus, measured on the distribution renormalised over the top-k survivors
   * (what the filter sees, as in HF transformers). It is the first cumulative value that reaches p.
   */
  cumulativeAtCut: number;
  /** Smallest kept probability in the `probs` stage: the bar chart's cut-off line. */
  lastKeptProb: number;
  removed: number;
}

export interface MinPCutoff {
  minP: number;
  /** Highest probability in the `probs` stage. */
  maxProb: number;
  /** minP × maxProb in the `probs` stage; tokens strictly below are removed. (Renormalising does not move
   * the cut: HF applies it after top-k/top-p, but the ratio p / pmax is the same there.) */
  threshold: number;
  removed: number;
}

export interface FilterCutoffs {
  topK: TopKCutoff | null;
  topP: TopPCutoff | null;
  minP: MinPCutoff | null;
}

/**
 * Where the uniform draw fell. The cumulative distribution runs over the kept tokens in descending order of
 * probability (ties: lower id first), so it lines up with a sorted bar chart: the chosen token is the one
 * whose interval [cumulativeBefore, cumulativeAfter) contains `u`.
 */
export interface DrawPosition {
  u: number;
  /** Position of the chosen token in the descending order (0 = most likely). */
  rank: number;
  cumulativeBefore: number;
  cumulativeAfter: number;
}

/**
 * Every stage of one sampling decision. Arrays are vocabulary-sized and must be treated as read-only: a stage
 * that changes nothing shares its input's array (e.g. `scaled === penalized` at temperature 1).
 */
export interface SamplingTrace {
  settings: SamplingSettings;
  vocabSize: number;
  /** Temperature 0: the final distribution is one-hot on the argmax and the filters are skipped. */
  greedy: boolean;
  /** The model's logits, as given (not copied). */
  raw: Float32Array;
  /** log Σ exp(raw): `rawProb(i) = exp(raw[i] - rawLogSumExp)`, the plain softmax at T = 1. */
  rawLogSumExp: number;
  /** Entropy in bits of that plain softmax: the model's own uncertainty, before any setting. */
  rawEntropyBits: number;
  /** Logits after the repetition penalty. */
  penalized: Float32Array;
  /** Distinct token ids the penalty touched (empty when it is off). */
  penalizedIds: Int32Array;
  /** Logits after the penalty (and the grammar's mask: −∞ for forbidden tokens), divided by the temperature (at
   * T = 0: undivided). */
  scaled: Float32Array;
  /** softmax(scaled): the probabilities before any filter (one-hot on the argmax at T = 0). */
  probs: Float32Array;
  /** Per token: REMOVAL_NONE, REMOVAL_GRAMMAR or the code of the filter that removed it. */
  removedBy: Uint8Array;
  /** The grammar's mask, when the step was constrained; null otherwise. */
  mask: MaskStage | null;
  cutoffs: FilterCutoffs;
  /** Number of tokens that survive all filters. */
  keptCount: number;
  /** Probability mass (in `probs`) of the survivors; the renormalisation divisor. */
  keptMass: number;
  /** The renormalised distribution the draw is made from. */
  final: Float32Array;
  /** Entropy in bits of `final` (0 when greedy). */
  finalEntropyBits: number;
  draw: DrawPosition;
  chosenId: number;
  /** Token ids ranked by `scaled` (descending, ties by lower id): at least the first 64, more if a filter or the
   * draw needed them. `topCandidates` reads this. */
  ranked: Int32Array;
}

/** One row of the distribution chart. */
export interface Candidate {
  id: number;
  /** The model's raw logit. */
  logit: number;
  /** Logit after repetition penalty and temperature (what the filters compare). */
  scaledLogit: number;
  /** Probability under the current settings, after filters and renormalisation; 0 if removed. */
  prob: number;
  /** Probability after temperature, before filters (the `probs` stage). */
  probBeforeFilters: number;
  /** Plain softmax of the raw logits at T = 1. */
  rawProb: number;
  removedBy: RemovalReason | null;
}
