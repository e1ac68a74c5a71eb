/** The worker's analysis handler: plans the windows, asks before a long run, streams progress, posts the result. */
import type { NextTokenBackend } from '../backends/types';
import type { AnalyseCancelRequest, AnalyseTextRequest, EngineEvent } from '../protocol';
import { AnalysisAborted, analyseIds, analysisUnsupported, analysisTransferables, defaultPrefix, planAnalysis, textIds } from './analyse';

type Emit = (event: EngineEvent, transfer?: Transferable[]) => void;

/** Longest text accepted at all (characters): beyond it the tab would be unusable. */
export const MAX_ANALYSIS_CHARS = 200_000;

const running = new Map<number, AbortController>();

export function cancelAnalysis(req: AnalyseCancelRequest): void {
  running.get(req.requestId)?.abort();
}

export async function handleAnalyseRequest(req: AnalyseTextRequest, backend: NextTokenBackend | null, emit: Emit): Promise<void> {
  const fail = (message: string) => emit({ type: 'error', requestId: req.requestId, scope: 'inference', message, recoverable: true });
  if (!backend) return fail('No model is loaded: loading it failed or was never started. Pick a model in the Generate tab (or reload the page), then analyse again.');
  if (!backend.scorePositions) return fail(analysisUnsupported(backend));
  if (req.text.length === 0) return fail('There is no text to analyse: type or paste some first.');
  if (req.text.length > MAX_ANALYSIS_CHARS)
    return fail(`The text is too long to analyse here (${req.text.length.toLocaleString('en')} characters; the limit is ${MAX_ANALYSIS_CHARS.toLocaleString('en')}). Analyse a shorter part of it.`);
  const abort = new AbortController();
  running.set(req.requestId, abort);
  try {
    const ids = textIds(backend, req.text);
    if (ids.length === 0) return fail('The text has no tokens to analyse.');
    const plan = planAnalysis(ids.length, backend.info.contextWindow, defaultPrefix(backend));
    if (plan.windows > req.maxWindows) {
      emit({ type: 'analysis-confirm', requestId: req.requestId, tokens: ids.length, windows: plan.windows, contextWindow: plan.contextWindow });
      return;
    }
    const result = await analyseIds(backend, ids, {
      signal: abort.signal,
      onProgress: (progress) => emit({ type: 'analysis-progress', requestId: req.requestId, progress }),
    });
    result.bytes = new TextEncoder().encode(req.text).length;
    emit({ type: 'analysis-done', requestId: req.requestId, result }, analysisTransferables(result));
  } catch (err) {
    if (err instanceof AnalysisAborted) return fail('Analysis cancelled.');
    fail(`The analysis failed: ${err instanceof Error ? err.message : String(err)}. Try again, or a shorter text.`);
  } finally {
    running.delete(req.requestId);
  }
}
