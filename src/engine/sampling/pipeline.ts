/**
 * The sampling pipeline: from a step's raw logits to the chosen token, keeping every stage for the UI.
 *
 * Order of the stages (the order of HF transformers' `_get_logits_processor`, which Transformers.js follows for the
 * stages it implements; Transformers.js 4.3 applies the repetition penalty and temperature as processors and
 * top-k inside its multinomial sampler, and has no top-p / min-p code of its own):
 *
 *   raw logits → repetition penalty → grammar mask → ÷ temperature → FILTERS (top-k → top-p → min-p)
 *     → renormalise → draw
 *
 * The grammar mask (grammar-constrained decoding, optional) sets every token the grammar forbids to −∞ before
 * temperature and the filters, as vLLM (`apply_grammar_bitmask` on the logits before its sampler) and WebLLM do:
 * the filters then choose among allowed tokens only, so top-k = 5 keeps the five best *allowed* tokens and a
 * constraint can never leave the draw with nothing. The penalty and the mask both act token by token, so their order
 * between themselves changes nothing; the penalty goes first so `penalized` still shows what the model (with the
 * penalty) wanted of the forbidden tokens.
 *
 * Each filter sees the survivors of the previous one: top-p measures mass on the distribution renormalised over
 * the top-k survivors, exactly like HF's TopPLogitsWarper after TopKLogitsWarper. Temperature 0 means greedy:
 * the argmax of the penalised logits is chosen and the filters are skipped (HF: `do_sample = false`).
 *
 * A filter is one pure function (a `Filter`'s `cut`) plus one entry in `FILTERS`, at its place in HF's order; its
 * setting, its cutoff record and its removal code are plain data in types.ts. The pipeline blames each removed
 * token on the first filter that removes it and records every active filter's cutoff.
 *
 * Every filter keeps a prefix of the tokens sorted by scaled logit, so the work is one lazily sorted order
 * (see order.ts) plus a few O(V) passes: fast enough to re-run on each slider event for a 262k vocabulary.
 */
import { DescendingOrder } from './order';
import { applyRepetitionPenalty, applyTemperature, entropyBits, logSumExpAndEntropy, softmaxWithStats } from './stages';
import { countAllowed, isTokenAllowed } from '../grammar/bitmask';
import {
  REMOVAL_GRAMMAR,
  REMOVAL_MIN_P,
  REMOVAL_NONE,
  REMOVAL_REASONS,
  REMOVAL_TOP_K,
  REMOVAL_TOP_P,
  type Candidate,
  type DrawPosition,
  type FilterCutoffs,
  type MaskStage,
  type MinPCutoff,
  type SamplingSettings,
  type SamplingTrace,
  type TopKCutoff,
  type TopPCutoff,
} from './types';

/** How many of the best tokens every trace keeps ranked for `topCandidates` (more are computed on demand). */
const RANKED_AT_LEAST = 64;
/** How many forbidden tokens a masked step keeps for the chart (the model's favourites the grammar refused). */
const TOP_FORBIDDEN = 16;

/** What a filter sees. Read-only: the survivors of the filters before it are the tokens `removes` is asked about. */
interface FilterInput {
  settings: SamplingSettings;
  vocabSize: number;
  scaled: Float32Array;
  /** softmax(scaled) */
  probs: Float32Array;
  /** `scaled` ranked, best first (lazily: `ensure` before `at`) */
  order: DescendingOrder;
  /** how many tokens survive the filters before this one; they are the first `keptCount` of `order` */
  keptCount: number;
  /** their mass in `probs` */
  keptMass: number;
}

/** A filter's decision for one step: what it reports (its `removed` count is added) and which tokens it removes. */
interface FilterCut<C> {
  cutoff: Omit<C, 'removed'>;
  removes(id: number): boolean;
}

type Filter = {
  [K in keyof FilterCutoffs]: {
    /** its field in FilterCutoffs */
    name: K;
    /** its code in `removedBy` (REMOVAL_*) */
    code: number;
    /** null when the setting turns it off */
    cut(input: FilterInput): FilterCut<NonNullable<FilterCutoffs[K]>> | null;
  };
}[keyof FilterCutoffs];

/** top-k: keep every token whose scaled logit is at least the k-th highest (ties with the k-th survive). */
function topK({ settings, scaled, probs, order, keptCount }: FilterInput): FilterCut<TopKCutoff> | null {
  const k = Math.floor(settings.topK);
  // keptCount: the whole vocabulary, or under a grammar mask only the allowed tokens
  if (!(k > 0 && k < keptCount)) return null;
  order.ensure(k);
  const kthLogit = scaled[order.at(k - 1)];
  return { cutoff: { k, kthLogit, kthProb: probs[order.at(k - 1)] }, removes: (id) => scaled[id] < kthLogit };
}

/**
 * top-p: walk the survivors from the most likely; the nucleus ends at the first token where the cumulative
 * (renormalised over the survivors) reaches p. HF: remove where the ascending cumsum <= 1 - p.
 */
function topP({ settings, scaled, probs, order, keptCount, keptMass }: FilterInput): FilterCut<TopPCutoff> | null {
  const p = settings.topP;
  if (!(p < 1)) return null;
  let logitCut = -Infinity;
  let lastNucleusId = -1;
  let cumulative = 0;
  for (let rank = 0; rank < keptCount; rank++) {
    order.ensure(rank + 1);
    const id = order.at(rank);
    cumulative += probs[id] / keptMass;
    logitCut = scaled[id];
    lastNucleusId = id;
    if (cumulative >= p) break;
  }
  const lastKeptProb = lastNucleusId >= 0 ? probs[lastNucleusId] : 0;
  return { cutoff: { p, cumulativeAtCut: Math.min(1, cumulative), lastKeptProb }, removes: (id) => scaled[id] < logitCut };
}

/**
 * min-p: drop tokens below minP × the top probability. The ratio p / pmax does not change when the distribution
 * is renormalised, so the cut can be taken on `probs` directly.
 */
function minP({ settings, probs, order }: FilterInput): FilterCut<MinPCutoff> | null {
  const minP = Math.min(1, Math.max(0, settings.minP));
  if (!(minP > 0)) return null;
  const maxProb = probs[order.at(0)];
  const threshold = minP * maxProb;
  return { cutoff: { minP, maxProb, threshold }, removes: (id) => probs[id] < threshold };
}

/** The filters, in the order they apply. */
const FILTERS: readonly Filter[] = [
  { name: 'topK', code: REMOVAL_TOP_K, cut: topK },
  { name: 'topP', code: REMOVAL_TOP_P, cut: topP },
  { name: 'minP', code: REMOVAL_MIN_P, cut: minP },
];

/**
 * The grammar mask stage: forbidden tokens get −∞ (a new array), are marked REMOVAL_GRAMMAR in `removedBy`, and their
 * share of the model's own distribution (softmax of the raw logits) is the mass the constraint removed.
 */
function applyGrammarMask(
  raw: Float32Array,
  rawLogSumExp: number,
  penalized: Float32Array,
  allowed: Int32Array,
  removedBy: Uint8Array,
): { masked: Float32Array; stage: MaskStage } {
  const vocabSize = raw.length;
  const allowedCount = countAllowed(allowed, vocabSize);
  if (allowedCount === 0) throw new Error('The grammar allows no token at this step: the constraint cannot be satisfied.');
  const masked = new Float32Array(penalized);
  let allowedMass = 0;
  // the best forbidden tokens by penalised logit, kept sorted (best first) in a small array
  const topIds: number[] = [];
  for (let id = 0; id < vocabSize; id++) {
    if (isTokenAllowed(allowed, id)) {
      allowedMass += Math.exp(raw[id] - rawLogSumExp);
      continue;
    }
    masked[id] = -Infinity;
    removedBy[id] = REMOVAL_GRAMMAR;
    const v = penalized[id];
    if (topIds.length < TOP_FORBIDDEN || v > penalized[topIds[topIds.length - 1]]) {
      let at = topIds.length;
      while (at > 0 && penalized[topIds[at - 1]] < v) at--;
      topIds.splice(at, 0, id);
      if (topIds.length > TOP_FORBIDDEN) topIds.pop();
    }
  }
  const removed = vocabSize - allowedCount;
  return {
    masked,
    stage: { allowedCount, removed, removedMass: Math.min(1, Math.max(0, 1 - allowedMass)), topForbidden: Int32Array.from(topIds) },
  };
}

/**
 * Run the whole pipeline on one step's logits.
 * @param logits the model's logits for the next token (not modified)
 * @param settings the sampling controls
 * @param draw a uniform number in [0, 1), normally `drawUniform(seed, stepIndex, branch)`
 * @param previousIds the context so far (prompt + generated), for the repetition penalty
 * @param allowed the grammar's token bitmask for this step (bit set = allowed); omitted = unconstrained
 */
export function samplingPipeline(
  logits: Float32Array,
  settings: SamplingSettings,
  draw: number,
  previousIds?: ArrayLike<number>,
  allowed?: Int32Array,
): SamplingTrace {
  const vocabSize = logits.length;
  if (vocabSize === 0) throw new Error('Cannot sample from an empty vocabulary.');
  // the model's own softmax figures; the mask needs them first, else they may come from the sampling softmax below
  let rawStats: { logSumExp: number; entropyBits: number } | null = allowed ? logSumExpAndEntropy(logits) : null;
  const { logits: penalized, penalizedIds } = applyRepetitionPenalty(logits, settings.repetitionPenalty, previousIds);
  const removedBy = new Uint8Array(vocabSize);
  const masking = allowed && rawStats ? applyGrammarMask(logits, rawStats.logSumExp, penalized, allowed, removedBy) : null;
  const mask = masking?.stage ?? null;
  const greedy = !(settings.temperature > 0);
  const scaled = applyTemperature(masking?.masked ?? penalized, greedy ? 1 : settings.temperature);
  const order = new DescendingOrder(scaled);
  order.ensure(RANKED_AT_LEAST);
  const cutoffs: FilterCutoffs = { topK: null, topP: null, minP: null };
  // At T = 1 with no penalty or mask, `scaled` is the raw logits themselves: one softmax pass gives both.
  const sampled = greedy ? null : softmaxWithStats(scaled);
  rawStats ??= sampled && scaled === logits ? sampled : logSumExpAndEntropy(logits);
  const { logSumExp: rawLogSumExp, entropyBits: rawEntropyBits } = rawStats;
  const base = { settings: { ...settings }, vocabSize, raw: logits, rawLogSumExp, rawEntropyBits, penalized, penalizedIds, scaled, mask };

  if (!sampled) {
    // the head of the order is the argmax (ties: the lower id), without another pass over the vocabulary
    const chosenId = order.at(0);
    const probs = new Float32Array(vocabSize);
    probs[chosenId] = 1;
    const position: DrawPosition = { u: draw, rank: 0, cumulativeBefore: 0, cumulativeAfter: 1 };
    return {
      ...base,
      greedy,
      probs,
      removedBy,
      cutoffs,
      keptCount: 1,
      keptMass: 1,
      final: probs,
      finalEntropyBits: 0,
      draw: position,
      chosenId,
      ranked: order.prefix(),
    };
  }

  const probs = sampled.probs;
  let keptCount = mask ? mask.allowedCount : vocabSize;
  let keptMass = 0;
  for (let i = 0; i < vocabSize; i++) keptMass += probs[i];
  for (const filter of FILTERS) {
    const cut = filter.cut({ settings, vocabSize, scaled, probs, order, keptCount, keptMass });
    if (!cut) continue;
    let removed = 0;
    keptCount = 0;
    keptMass = 0;
    for (let i = 0; i < vocabSize; i++) {
      if (removedBy[i] !== REMOVAL_NONE) continue;
      if (cut.removes(i)) {
        removedBy[i] = filter.code;
        removed++;
      } else {
        keptCount++;
        keptMass += probs[i];
      }
    }
    (cutoffs as Record<Filter['name'], unknown>)[filter.name] = { ...cut.cutoff, removed };
  }

  let final = probs;
  if (keptCount < vocabSize) {
    final = new Float32Array(vocabSize);
    const inv = 1 / keptMass;
    for (let i = 0; i < vocabSize; i++) if (removedBy[i] === REMOVAL_NONE) final[i] = probs[i] * inv;
  }

  // The kept tokens are the first `keptCount` of the order; walk their cumulative distribution to the draw, first
  // over the part of the order already sorted, then (a draw deep in a flat distribution, which would need most of
  // the order sorted) by selection where that is exact, else on along the order.
  const u = Math.min(Math.max(draw, 0), 1 - Number.EPSILON);
  let position: DrawPosition | null = null;
  let selectedId: number | null = null;
  let selectionTried = false;
  let cumulative = 0;
  for (let rank = 0; rank < keptCount; rank++) {
    if (rank === order.available && !selectionTried) {
      selectionTried = true;
      const selected = selectDraw(scaled, final, u, draw);
      if (selected) {
        ({ id: selectedId, position } = selected);
        break;
      }
    }
    order.ensure(rank + 1);
    const q = final[order.at(rank)];
    if (u < cumulative + q) {
      position = { u: draw, rank, cumulativeBefore: cumulative, cumulativeAfter: cumulative + q };
      break;
    }
    cumulative += q;
  }
  if (!position) {
    // Rounding left the total a hair under u: the draw falls on the last kept token with non-zero mass.
    let rank = keptCount - 1;
    while (rank > 0 && final[order.at(rank)] === 0) rank--;
    const q = final[order.at(rank)];
    position = { u: draw, rank, cumulativeBefore: Math.max(0, cumulative - q), cumulativeAfter: cumulative };
  }
  const chosenId = selectedId ?? order.at(position.rank);

  return {
    ...base,
    greedy,
    probs,
    removedBy,
    cutoffs,
    keptCount,
    keptMass,
    final,
    // unfiltered: the softmax pass's own figure; filtered: only the kept tokens take a logarithm
    finalEntropyBits: final === probs ? sampled.entropyBits : entropyBits(final),
    draw: position,
    chosenId,
    ranked: order.prefix(),
  };
}

/** Every probability at least this (2^-30) is a multiple of 2^-53 as a float32, see `selectDraw`. */
const EXACT_SUM_FLOOR = 2 ** -30;

/**
 * The draw's position found by selection instead of sorting (expected O(V) instead of O(V log V)), or null where
 * that could differ from walking the sorted order.
 *
 * The walk adds the probabilities in descending order in float64 and stops at the first rank whose running sum
 * passes u. When every non-zero probability is at least 2^-30, each is a multiple of 2^-53, so every sum of them
 * below 1 is exact in float64 whatever the order of the additions; the sums the walk compares before it stops are
 * below u < 1, and the one it stops on adds the same two exact operands either way. So summing whole partitions
 * (tokens ranked before a pivot, ties by lower id) gives the walk's rank, token and cumulative figures bit for bit.
 * A partition whose sum reaches 1 may round, but then it certainly holds the draw, as it does unrounded.
 */
function selectDraw(scaled: Float32Array, final: Float32Array, u: number, draw: number): { id: number; position: DrawPosition } | null {
  let n = 0;
  for (let i = 0; i < final.length; i++) if (final[i] !== 0) n++;
  let ids = new Int32Array(n);
  n = 0;
  for (let i = 0; i < final.length; i++) {
    const q = final[i];
    if (q === 0) continue;
    if (q < EXACT_SUM_FLOOR) return null;
    ids[n++] = i;
  }
  let spare = new Int32Array(n);
  let before = 0; // the exact sum of everything ranked ahead of `ids`
  let rankBefore = 0;
  let rng = 0x9e3779b9;
  while (n > 0) {
    rng = (Math.imul(rng, 1664525) + 1013904223) >>> 0;
    const pivot = ids[rng % n];
    const pv = scaled[pivot];
    // ahead of the pivot to the front of `spare`, behind it to the back
    let ahead = 0;
    let behind = n - 1;
    let aheadSum = 0;
    for (let k = 0; k < n; k++) {
      const id = ids[k];
      if (id === pivot) continue;
      const v = scaled[id];
      if (v > pv || (v === pv && id < pivot)) {
        spare[ahead++] = id;
        aheadSum += final[id];
      } else spare[behind--] = id;
    }
    if (u < before + aheadSum) {
      [ids, spare] = [spare, ids];
      n = ahead;
      continue;
    }
    before += aheadSum;
    rankBefore += ahead;
    const q = final[pivot];
    if (u < before + q) return { id: pivot, position: { u: draw, rank: rankBefore, cumulativeBefore: before, cumulativeAfter: before + q } };
    before += q;
    rankBefore += 1;
    // the tokens behind the pivot sit at the back of `spare`, from `behind + 1` to n - 1
    ids = spare.subarray(behind + 1, n).slice();
    spare = new Int32Array(ids.length);
    n = ids.length;
  }
  return null; // rounding left the total under u: the walk's own fallback decides
}

/** How many forbidden tokens a candidate list shows at most, besides the allowed ones. */
const FORBIDDEN_SHOWN = 8;

/**
 * The n best tokens of a step under the trace's settings (ranked by logit after penalty and temperature, ties by
 * lower id), with their probabilities before and after the filters and the reason of any removal.
 *
 * Under a grammar mask the n best *allowed* tokens are listed, plus the forbidden tokens the model preferred to the
 * last of them (at most 8), in the model's order: a forbidden token's `scaledLogit` is its penalised logit divided by
 * the temperature as if it had not been masked, so the chart shows where it would have stood.
 */
export function topCandidates(trace: SamplingTrace, n: number): Candidate[] {
  const { mask } = trace;
  const count = Math.min(Math.max(0, Math.floor(n)), mask ? mask.allowedCount : trace.vocabSize);
  let ids = trace.ranked;
  if (ids.length < count) {
    const order = new DescendingOrder(trace.scaled);
    order.ensure(count);
    ids = order.prefix();
  }
  const divisor = trace.greedy ? 1 : trace.settings.temperature;
  const candidate = (id: number, scaledLogit: number): Candidate => ({
    id,
    logit: trace.raw[id],
    scaledLogit,
    prob: trace.final[id],
    probBeforeFilters: trace.probs[id],
    rawProb: Math.exp(trace.raw[id] - trace.rawLogSumExp),
    removedBy: REMOVAL_REASONS[trace.removedBy[id]] ?? null,
  });
  const out: Candidate[] = [];
  for (let rank = 0; rank < count; rank++) out.push(candidate(ids[rank], trace.scaled[ids[rank]]));
  if (!mask || count === 0) return out;
  const lowestShown = out[out.length - 1].scaledLogit;
  const forbidden = Array.from(mask.topForbidden)
    .map((id) => candidate(id, trace.penalized[id] / divisor))
    .filter((c) => c.scaledLogit >= lowestShown)
    .slice(0, FORBIDDEN_SHOWN);
  return [...out, ...forbidden].sort((a, b) => b.scaledLogit - a.scaledLogit || a.id - b.id);
}
