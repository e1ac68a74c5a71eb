/**
 * Score every token of a text with the loaded model: the backend's `scorePositions` over windows of the model's
 * context length, reading the logits of every position (not just the last, as generation does). A backend without
 * it (a server that gives only the top log-probabilities of the next token) cannot analyse: see `analysisUnsupported`.
 *
 * Windows. A text of T tokens is analysed as `prefix + text`, where the prefix is the model's BOS when it has one
 * (so the first token of the text gets a prediction too, from the "start of text" state the model was trained on)
 * and empty otherwise (then the first token has no prediction and is left unscored). When the text does not fit in
 * one window of C positions, windows slide over it in the way of Hugging Face's "perplexity of fixed-length models"
 * recipe: every window holds the prefix plus L = C − |prefix| text tokens; the first window scores all of its tokens,
 * each later one ends `stride` tokens further (default ⌈L/2⌉) and scores only those new tokens, the L − stride tokens
 * before them being context already scored. So every token past the first window is predicted from at least
 * L − stride ≥ ⌊L/2⌋ tokens of real context (plus the BOS), at the price of ~2× the compute of disjoint windows.
 * Every window starts with the prefix again, as a document would: models treat position 0 specially (attention sinks),
 * and a window that began mid-sentence without it would be scored in a state the model never saw in training.
 *
 * Memory. A window's logits are C × vocab floats (8192 × 150k would be 5 GB), so the local backend feeds a window
 * in chunks of at most `chunkTokens` positions with the KV cache carried between them; only one chunk's logits
 * exist at a time.
 */
import type { NextTokenBackend } from '../backends/types';
import { TOP_ALTERNATIVES, type AnalysisPlan, type AnalysisProgress, type AnalysisResult, type TokenAnalysis } from './types';
import { summariseScores } from './summary';
import { packTexts, type PackedTexts } from './tokenTexts';
import { nextTurn } from '../nextTurn';

export interface AnalyseOptions {
  /** positions per window; default the model's context window */
  contextWindow?: number;
  /** tokens each window after the first scores; default ⌈L/2⌉ (L = window − prefix) */
  stride?: number;
  /** the most positions whose logits are materialised at once; default (the backend's): ~128 MB of floats */
  chunkTokens?: number;
  /** ids put before every window; default [BOS] when the model has one, else [] */
  prefixIds?: number[];
  onProgress?(progress: AnalysisProgress): void;
  signal?: AbortSignal;
}

export class AnalysisAborted extends Error {
  constructor() {
    super('The analysis was cancelled.');
    this.name = 'AnalysisAborted';
  }
}

/** The servers that can score a given text, for messages. */
const SCORING_SERVERS =
  'vLLM (any API: it returns prompt_logprobs), or an OpenAI-compatible server used with the completions API that echoes the prompt with logprobs (`echo: true`)';

/** Why a backend with neither `scorePositions` nor `scorePrompt` cannot analyse a text, as a message for the user. */
export function analysisUnsupported(backend: NextTokenBackend): string {
  const server = backend.info.server;
  if (!server) return `Model "${backend.info.modelId}" cannot score every position of a text, so it cannot analyse text. Load a model that runs in the browser to analyse.`;
  const which =
    server.flavor === 'llama.cpp' || server.flavor === 'ollama'
      ? `${server.flavor === 'ollama' ? 'Ollama' : "llama.cpp's server"} returns log-probabilities only for the tokens it generates, not for a text it is given`
      : 'with the chat API this server is asked only for the log-probabilities of the tokens it generates, not for a text it is given';
  return `Model "${backend.info.modelId}" cannot analyse text here: ${which}. Servers that can: ${SCORING_SERVERS}. Or load a model that runs in the browser.`;
}

/** Whether `backend` can analyse a text at all (full rows, or a server scoring the text as a prompt). */
export function canAnalyse(backend: NextTokenBackend): boolean {
  return backend.scorePositions !== undefined || backend.scorePrompt !== undefined;
}

/** Where the windows go. Pure arithmetic, so the UI can ask "how many windows?" before running anything. */
export function planAnalysis(tokens: number, contextWindow: number, prefixIds: number[], stride?: number): AnalysisPlan {
  const capacity = contextWindow - prefixIds.length;
  if (!(capacity >= 2)) throw new Error(`The model's context window (${contextWindow}) is too small to analyse text.`);
  const s = Math.min(capacity - 1, Math.max(1, Math.floor(stride ?? Math.ceil(capacity / 2))));
  const windows = tokens <= capacity ? 1 : 1 + Math.ceil((tokens - capacity) / s);
  return { tokens, prefixIds: [...prefixIds], contextWindow, stride: s, windows };
}

export interface WindowRange {
  /** text tokens [start, end) fed after the prefix */
  start: number;
  end: number;
  /** text tokens [scoreFrom, end) are scored by this window */
  scoreFrom: number;
}

export function windowRanges(plan: AnalysisPlan): WindowRange[] {
  const capacity = plan.contextWindow - plan.prefixIds.length;
  const out: WindowRange[] = [];
  let end = Math.min(plan.tokens, capacity);
  out.push({ start: 0, end, scoreFrom: plan.prefixIds.length > 0 ? 0 : Math.min(1, end) });
  while (end < plan.tokens) {
    const next = Math.min(plan.tokens, end + plan.stride);
    out.push({ start: next - capacity, end: next, scoreFrom: end });
    end = next;
  }
  return out;
}

/** The ids put before the text: the model's BOS when it has one. */
export function defaultPrefix(backend: NextTokenBackend): number[] {
  return backend.info.bosTokenId !== null && backend.info.bosTokenId !== undefined ? [backend.info.bosTokenId] : [];
}

/** The text's own tokens (no special tokens added: the prefix is added per window). */
export function textIds(backend: NextTokenBackend, text: string): number[] {
  return backend.tokenizer.encode(text, { add_special_tokens: false });
}

/**
 * Everything recorded for one position, from its logits row, in two passes and float64 sums:
 * probability, rank (1 + entries with a strictly greater logit), surprisal and entropy in bits, top alternatives.
 */
function scoreRow(row: Float32Array, target: number, out: TokenAnalysis, k: number): void {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  const t = row[target];
  let sum = 0;
  let sumEx = 0;
  let greater = 0;
  const topIds = new Int32Array(TOP_ALTERNATIVES).fill(-1);
  const topVals = new Float64Array(TOP_ALTERNATIVES).fill(-Infinity);
  const last = TOP_ALTERNATIVES - 1;
  for (let i = 0; i < row.length; i++) {
    const x = row[i];
    if (x > t) greater++;
    const d = x - max;
    const e = Math.exp(d);
    sum += e;
    if (e > 0) sumEx += e * d;
    if (x > topVals[last]) {
      let j = last;
      while (j > 0 && x > topVals[j - 1]) {
        topVals[j] = topVals[j - 1];
        topIds[j] = topIds[j - 1];
        j--;
      }
      topVals[j] = x;
      topIds[j] = i;
    }
  }
  const logSum = Math.log(sum);
  const logP = t - max - logSum;
  out.prob[k] = Math.exp(logP);
  out.surprisal[k] = -logP / Math.LN2;
  out.rank[k] = greater + 1;
  out.entropy[k] = (logSum - sumEx / sum) / Math.LN2;
  for (let j = 0; j < TOP_ALTERNATIVES; j++) {
    out.topIds[k * TOP_ALTERNATIVES + j] = topIds[j];
    out.topProbs[k * TOP_ALTERNATIVES + j] = topIds[j] < 0 ? 0 : Math.exp(topVals[j] - max - logSum);
  }
}

function emptyAnalysis(ids: number[]): TokenAnalysis {
  const T = ids.length;
  return {
    ids: Int32Array.from(ids),
    texts: packTexts([]),
    prob: new Float32Array(T).fill(NaN),
    rank: new Int32Array(T),
    surprisal: new Float32Array(T).fill(NaN),
    entropy: new Float32Array(T).fill(NaN),
    contextTokens: new Int32Array(T),
    window: new Int32Array(T).fill(-1),
    topIds: new Int32Array(T * TOP_ALTERNATIVES).fill(-1),
    topProbs: new Float32Array(T * TOP_ALTERNATIVES),
    altTexts: {},
  };
}

/** The text each token adds, decoded after a few tokens of context so multi-byte characters join up. */
function tokenTexts(backend: NextTokenBackend, ids: ArrayLike<number>): PackedTexts {
  const out: string[] = [];
  const opts = { skip_special_tokens: false, clean_up_tokenization_spaces: false };
  for (let i = 0; i < ids.length; i++) {
    const window = Array.from({ length: Math.min(i, 6) }, (_, j) => ids[i - Math.min(i, 6) + j]);
    const before = window.length ? backend.tokenizer.decode(window, opts) : '';
    const after = backend.tokenizer.decode([...window, ids[i]], opts);
    let common = 0;
    while (common < before.length && before[common] === after[common]) common++;
    // a byte piece that does not complete its character yet decodes to U+FFFD: it adds nothing visible on its own
    out.push(after.slice(common).replace(/\uFFFD$/, ''));
  }
  return packTexts(out);
}

/** Analyse token ids (the text's own tokens, without BOS). */
export async function analyseIds(backend: NextTokenBackend, ids: number[], options: AnalyseOptions = {}): Promise<AnalysisResult> {
  const started = performance.now();
  if (!backend.scorePositions) throw new Error(analysisUnsupported(backend));
  const { signal, chunkTokens } = options;
  const prefix = options.prefixIds ?? defaultPrefix(backend);
  const plan = planAnalysis(ids.length, options.contextWindow ?? backend.info.contextWindow, prefix, options.stride);
  const out = emptyAnalysis(ids);
  const ranges = ids.length === 0 ? [] : windowRanges(plan);
  const P = prefix.length;
  for (let w = 0; w < ranges.length; w++) {
    // the model's run resolves through microtasks only: without a task boundary here the worker would not read
    // a Cancel (a message event) until every window was done
    if (w > 0) await nextTurn();
    if (signal?.aborted) throw new AnalysisAborted();
    const { start, end, scoreFrom } = ranges[w];
    const seq = [...prefix, ...ids.slice(start, end)];
    // position p of seq predicts seq[p + 1]; text token k sits at seq position P + k − start
    const firstNeeded = P + scoreFrom - start - 1;
    const lastNeeded = seq.length - 2;
    if (lastNeeded >= firstNeeded && firstNeeded >= 0) {
      const scored = backend.scorePositions(seq.slice(0, lastNeeded + 1), { from: firstNeeded, signal, chunkTokens }, (p, row) => {
        const k = start + p + 1 - P;
        scoreRow(row, ids[k], out, k);
        out.contextTokens[k] = p + 1;
        out.window[k] = w;
      });
      await scored.catch((err: unknown) => {
        throw signal?.aborted ? new AnalysisAborted() : err;
      });
    }
    options.onProgress?.({ window: w + 1, windows: ranges.length, tokensDone: end, tokensTotal: ids.length });
  }
  out.texts = tokenTexts(backend, ids);
  const opts = { skip_special_tokens: false };
  for (const id of out.topIds) if (id >= 0 && !(id in out.altTexts)) out.altTexts[id] = backend.tokenizer.decode([id], opts);
  const text = backend.tokenizer.decode(ids, opts);
  return { ...out, modelId: backend.info.modelId, plan, bytes: new TextEncoder().encode(text).length, ms: performance.now() - started, summary: summariseScores(out) };
}

/**
 * Analyse a text with a backend that scores it as a prompt (a server: `scorePrompt`), in one request, one window:
 * the server splits the text into its own tokens. From the top N log-probabilities at each position: prob and
 * surprisal are exact; rank is exact where the server gives it or the token is among the top N, else N + 1 ("beyond
 * N", see PartialAnalysis.rankBeyond); entropy is NaN (the rest of the distribution is unknown); the alternatives are
 * the server's best, named in altTexts by the backend's own ids.
 */
export async function analysePrompt(backend: NextTokenBackend, text: string, signal?: AbortSignal): Promise<AnalysisResult> {
  const started = performance.now();
  if (!backend.scorePrompt) throw new Error(analysisUnsupported(backend));
  const scores = await backend.scorePrompt(text, signal).catch((err: unknown) => {
    throw signal?.aborted ? new AnalysisAborted() : err;
  });
  const T = scores.tokens.length;
  const out = emptyAnalysis(scores.tokens.map((t) => t.id));
  const lead = scores.prefixed ? 1 : 0;
  let beyond = false;
  out.texts = packTexts(scores.tokens.map((t) => t.text));
  scores.tokens.forEach((t, k) => {
    if (t.logprob === null) return;
    out.prob[k] = Math.exp(t.logprob);
    out.surprisal[k] = -t.logprob / Math.LN2;
    beyond ||= t.rank === null;
    out.rank[k] = t.rank ?? scores.topN + 1;
    out.contextTokens[k] = lead + k;
    out.window[k] = 0;
    t.top.slice(0, TOP_ALTERNATIVES).forEach((c, j) => {
      out.topIds[k * TOP_ALTERNATIVES + j] = c.id;
      out.topProbs[k * TOP_ALTERNATIVES + j] = Math.exp(c.logprob);
    });
  });
  for (const id of out.topIds) if (id >= 0 && !(id in out.altTexts)) out.altTexts[id] = backend.tokenizer.decode([id]);
  const window = Math.max(T, 1);
  return {
    ...out,
    modelId: backend.info.modelId,
    partial: { topN: scores.topN, rankBeyond: beyond ? scores.topN + 1 : null, prefixed: scores.prefixed },
    plan: { tokens: T, prefixIds: [], contextWindow: Math.min(backend.info.contextWindow, window + lead), stride: window, windows: 1 },
    bytes: new TextEncoder().encode(text).length,
    ms: performance.now() - started,
    summary: summariseScores(out),
  };
}

/** Analyse a text: its tokens, each scored as a prediction from what precedes it. */
export async function analyseText(backend: NextTokenBackend, text: string, options: AnalyseOptions = {}): Promise<AnalysisResult> {
  const result = await analyseIds(backend, textIds(backend, text), options);
  return { ...result, bytes: new TextEncoder().encode(text).length };
}
