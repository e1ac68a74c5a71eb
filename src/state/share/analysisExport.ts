/**
 * An Analyse lab result as JSON (re-importable: the same view comes back) and CSV (one row per token).
 */
import type { AnalysisResult } from '../../engine/protocol';
import { TOP_ALTERNATIVES } from '../../engine/analyse/types';
import { packTexts, textAt, textsIn } from '../../engine/analyse/tokenTexts';
import { summariseScores } from '../../engine/analyse/summary';
import { isRecord } from '../persistence';
import { toCsv, toExportJson } from './exportFormat';

const FORMAT = 'nexttoken.analysis';

export function analysisJson(text: string, r: AnalysisResult): string {
  return toExportJson({
    format: FORMAT,
    version: 1,
    text,
    model: r.modelId,
    plan: r.plan,
    bytes: r.bytes,
    ms: r.ms,
    ...(r.partial && { partial: r.partial }),
    tokens: {
      ids: [...r.ids],
      texts: textsIn(r.texts),
      prob: [...r.prob],
      rank: [...r.rank],
      surprisal: [...r.surprisal],
      entropy: [...r.entropy],
      contextTokens: [...r.contextTokens],
      window: [...r.window],
      topIds: [...r.topIds],
      topProbs: [...r.topProbs],
    },
    altTexts: r.altTexts,
  });
}

export function analysisCsv(r: AnalysisResult): string {
  const header = ['position', 'token_id', 'token_text', 'probability', 'rank', 'surprisal_bits', 'entropy_bits', 'context_tokens', 'window', 'top_candidates'];
  const rows = Array.from(r.ids, (id, i) => {
    const top: string[] = [];
    for (let k = 0; k < TOP_ALTERNATIVES; k++) {
      const id = r.topIds[i * TOP_ALTERNATIVES + k];
      if (id >= 0) top.push(`${id}:${JSON.stringify(r.altTexts[id] ?? '')}:${r.topProbs[i * TOP_ALTERNATIVES + k]}`);
    }
    const num = (v: number) => (Number.isFinite(v) ? v : null);
    return [i, id, textAt(r.texts, i), num(r.prob[i]), r.rank[i] || null, num(r.surprisal[i]), num(r.entropy[i]), r.contextTokens[i], r.window[i], top.join(' | ')];
  });
  return toCsv(header, rows);
}

function numbers(v: unknown, n: number, what: string): number[] {
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number')) throw new Error(`"${what}" must hold ${n} numbers`);
  return v as number[];
}

/** Reads an analysis export back; throws with what is wrong. */
export function readAnalysisExport(v: unknown): { text: string; result: AnalysisResult } {
  if (!isRecord(v) || v.format !== FORMAT) throw new Error(`this is not an Analyse lab export (its "format" is not "${FORMAT}")`);
  if (v.version !== 1) throw new Error(`its version ${String(v.version)} is not one this app reads (1)`);
  if (typeof v.text !== 'string' || typeof v.model !== 'string') throw new Error('its text or model is missing');
  const t = v.tokens;
  if (!isRecord(t) || !Array.isArray(t.texts) || !t.texts.every((s) => typeof s === 'string')) throw new Error('its tokens are missing');
  const n = t.texts.length;
  const plan = v.plan;
  if (!isRecord(plan) || typeof plan.tokens !== 'number' || typeof plan.contextWindow !== 'number' || typeof plan.windows !== 'number' || typeof plan.stride !== 'number' || !Array.isArray(plan.prefixIds))
    throw new Error('its plan is missing');
  if (!isRecord(v.altTexts)) throw new Error('its alternative texts are missing');
  const tokens = {
    ids: Int32Array.from(numbers(t.ids, n, 'ids')),
    texts: packTexts(t.texts as string[]),
    prob: Float32Array.from(numbers(t.prob, n, 'prob')),
    rank: Int32Array.from(numbers(t.rank, n, 'rank')),
    surprisal: Float32Array.from(numbers(t.surprisal, n, 'surprisal')),
    entropy: Float32Array.from(numbers(t.entropy, n, 'entropy')),
    contextTokens: Int32Array.from(numbers(t.contextTokens, n, 'contextTokens')),
    window: Int32Array.from(numbers(t.window, n, 'window')),
    topIds: Int32Array.from(numbers(t.topIds, n * TOP_ALTERNATIVES, 'topIds')),
    topProbs: Float32Array.from(numbers(t.topProbs, n * TOP_ALTERNATIVES, 'topProbs')),
    altTexts: v.altTexts as Record<number, string>,
  };
  const result: AnalysisResult = {
    modelId: v.model,
    plan: plan as unknown as AnalysisResult['plan'],
    bytes: typeof v.bytes === 'number' ? v.bytes : 0,
    ms: typeof v.ms === 'number' ? v.ms : 0,
    ...(isRecord(v.partial) && { partial: v.partial as unknown as AnalysisResult['partial'] }),
    ...tokens,
    // an export carries no summary: summarised here, once, as the worker does for a new analysis
    summary: summariseScores(tokens),
  };
  return { text: v.text, result };
}
