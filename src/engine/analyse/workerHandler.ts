/** The worker's analysis handler (a server that scores prompts: one request): plans the windows, asks before a long run, streams progress, answers the result. */
import type { NextTokenBackend } from '../backends/types';
import type { AnalyseTextRequest, AnalyseTextResponse } from '../protocol';
import { EngineFailure, type HandlerContext } from '../handlers';
import { messageOf } from '../protocol';
import { AnalysisAborted, analyseIds, analysePrompt, analysisUnsupported, canAnalyse, defaultPrefix, planAnalysis, textIds } from './analyse';

/** Longest text accepted at all (characters): beyond it the tab would be unusable. */
const MAX_ANALYSIS_CHARS = 200_000;

export async function handleAnalyseRequest(req: AnalyseTextRequest, backend: NextTokenBackend | null, { signal, emit }: HandlerContext): Promise<AnalyseTextResponse> {
  if (!backend) throw new EngineFailure('No model is loaded: loading it failed or was never started. Pick a model in the Generate tab (or reload the page), then analyse again.');
  if (!canAnalyse(backend)) throw new EngineFailure(analysisUnsupported(backend));
  if (req.text.length === 0) throw new EngineFailure('There is no text to analyse: type or paste some first.');
  if (req.text.length > MAX_ANALYSIS_CHARS)
    throw new EngineFailure(`The text is too long to analyse here (${req.text.length.toLocaleString('en')} characters; the limit is ${MAX_ANALYSIS_CHARS.toLocaleString('en')}). Analyse a shorter part of it.`);
  try {
    // a server scores the whole text as one prompt: no windows to plan, no progress until it answers
    if (!backend.scorePositions) return { type: 'analysis-done', result: await analysePrompt(backend, req.text, signal) };
    const ids = textIds(backend, req.text);
    if (ids.length === 0) throw new EngineFailure('The text has no tokens to analyse.');
    const plan = planAnalysis(ids.length, backend.info.contextWindow, defaultPrefix(backend));
    if (plan.windows > req.maxWindows) return { type: 'analysis-confirm', tokens: ids.length, windows: plan.windows, contextWindow: plan.contextWindow };
    const result = await analyseIds(backend, ids, { signal, onProgress: (progress) => emit({ type: 'analysis-progress', progress }) });
    result.bytes = new TextEncoder().encode(req.text).length;
    return { type: 'analysis-done', result };
  } catch (err) {
    if (err instanceof EngineFailure) throw err;
    if (err instanceof AnalysisAborted) throw new EngineFailure('Analysis cancelled.', 'cancelled');
    throw new EngineFailure(`The analysis failed: ${messageOf(err)}. Try again, or a shorter text.`);
  }
}
