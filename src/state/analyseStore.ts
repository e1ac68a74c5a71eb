/**
 * Analyse lab state. Stored: what the user chose (text, colour measure, rank thresholds, focused token) and what the
 * engine reported (progress, result). Derived in selectors: the summary, buckets, colours.
 */
import { create } from 'zustand';
import type { AnalysisProgress, AnalysisResult } from '../engine/protocol';
import { DEFAULT_RANK_THRESHOLDS, normaliseThresholds, summarise, type AnalysisSummary } from '../engine/analyse';
import { engine } from './engineClient';
import { generateActions, sequenceSteps, useGenerateStore } from './generateStore';
import { readStored, writeStored } from './persistence';

export type ColourMeasure = 'rank' | 'prob' | 'surprisal';

/** Texts needing more windows than this ask before running. */
export const CONFIRM_ABOVE_WINDOWS = 4;

interface Persisted {
  text: string;
  measure: ColourMeasure;
  thresholds: number[];
}

export interface AnalyseState extends Persisted {
  status: 'idle' | 'running' | 'confirm' | 'done' | 'error';
  requestId: number | null;
  progress: AnalysisProgress | null;
  /** the worker's question before a long run */
  confirm: { tokens: number; windows: number; contextWindow: number } | null;
  result: AnalysisResult | null;
  /** the text `result` belongs to */
  analysedText: string;
  error: string | null;
  /** the token whose details are shown (focused, clicked or picked from the list) */
  selected: number | null;
  /** the token under the pointer (shown in the details while hovered) */
  hovered: number | null;
  stored: boolean;
}

const STORAGE_KEY = 'nexttoken.analyse.v1';
export const DEFAULT_ANALYSE_TEXT =
  'The little robot walked to the old town and looked at the river. The little robot walked to the old town and looked at the river.';

const saved = readStored<Partial<Persisted>>(STORAGE_KEY);

export const useAnalyseStore = create<AnalyseState>()(() => ({
  text: typeof saved?.text === 'string' ? saved.text : DEFAULT_ANALYSE_TEXT,
  measure: saved?.measure === 'prob' || saved?.measure === 'surprisal' ? saved.measure : 'rank',
  thresholds: Array.isArray(saved?.thresholds) ? normaliseThresholds(saved.thresholds) : [...DEFAULT_RANK_THRESHOLDS],
  status: 'idle',
  requestId: null,
  progress: null,
  confirm: null,
  result: null,
  analysedText: '',
  error: null,
  selected: null,
  hovered: null,
  stored: true,
}));

const set = useAnalyseStore.setState;
const get = useAnalyseStore.getState;

useAnalyseStore.subscribe((s, prev) => {
  if (s.text === prev.text && s.measure === prev.measure && s.thresholds === prev.thresholds) return;
  const stored = writeStored(STORAGE_KEY, { text: s.text, measure: s.measure, thresholds: s.thresholds });
  if (stored !== s.stored) set({ stored });
});

// ---------------------------------------------------------------- derived

let summaryCache: { result: AnalysisResult | null; thresholds: number[]; summary: AnalysisSummary | null } = { result: null, thresholds: [], summary: null };

export function analysisSummary(s: Pick<AnalyseState, 'result' | 'thresholds'>): AnalysisSummary | null {
  if (summaryCache.result === s.result && summaryCache.thresholds === s.thresholds) return summaryCache.summary;
  const summary = s.result ? summarise(s.result, s.result.bytes, s.thresholds, 12) : null;
  summaryCache = { result: s.result, thresholds: s.thresholds, summary };
  return summary;
}

/** The text the active generation run produced, prompt included (what the model saw). */
function currentGenerationText(): string | null {
  const s = useGenerateStore.getState();
  const steps = sequenceSteps(s, s.activeRunId);
  if (!s.activeRunId || steps.length === 0) return null;
  return s.prompt + steps.map((st) => st.chosen.text).join('');
}

// ---------------------------------------------------------------- actions

function send(force: boolean) {
  const { text } = get();
  const model = useGenerateStore.getState().model;
  // no model yet: load the chosen one (the embedded model by default); the request queues behind the load
  if (model.status !== 'loading' && !model.info) generateActions.loadModel();
  const requestId = engine.newRequestId();
  set({ status: 'running', requestId, progress: null, confirm: null, error: null });
  engine.send({ type: 'analyse-text', requestId, text, maxWindows: force ? Number.MAX_SAFE_INTEGER : CONFIRM_ABOVE_WINDOWS });
}

export const analyseActions = {
  setText: (text: string) => set({ text }),
  setMeasure: (measure: ColourMeasure) => set({ measure }),
  setThreshold(index: number, value: number) {
    const next = [...get().thresholds];
    next[index] = value;
    // keep what the user typed usable: strictly increasing positive integers
    set({ thresholds: normaliseThresholds(next).length === next.length ? normaliseThresholds(next) : get().thresholds });
  },
  resetThresholds: () => set({ thresholds: [...DEFAULT_RANK_THRESHOLDS] }),

  /** @returns false when there was nothing to take */
  takePrompt(): boolean {
    const prompt = useGenerateStore.getState().prompt;
    if (!prompt) return false;
    set({ text: prompt });
    return true;
  },
  takeGeneration(): boolean {
    const text = currentGenerationText();
    if (text === null) {
      set({ error: 'There is no generation yet: generate some text in the Generate tab first.' });
      return false;
    }
    set({ text, error: null });
    return true;
  },

  run() {
    if (get().status === 'running') return;
    if (get().text.trim().length === 0) {
      set({ status: 'error', error: 'There is no text to analyse: type or paste some first.' });
      return;
    }
    send(false);
  },
  confirmLong() {
    if (get().status === 'confirm') send(true);
  },
  declineLong() {
    const c = get().confirm;
    set({
      status: 'error',
      confirm: null,
      error: c ? `Not analysed: the text has ${c.tokens.toLocaleString('en')} tokens, ${c.windows} windows of ${c.contextWindow}. Shorten it, or run it and confirm.` : null,
    });
  },
  cancel() {
    const { requestId, status } = get();
    if (status === 'running' && requestId !== null) engine.send({ type: 'analyse-cancel', requestId });
  },
  select: (selected: number | null) => set({ selected }),
  hover: (hovered: number | null) => set({ hovered }),
};

// ---------------------------------------------------------------- engine events

engine.subscribe((event) => {
  switch (event.type) {
    case 'analysis-confirm':
      if (event.requestId === get().requestId) set({ status: 'confirm', confirm: { tokens: event.tokens, windows: event.windows, contextWindow: event.contextWindow } });
      return;
    case 'analysis-progress':
      if (event.requestId === get().requestId) set({ progress: event.progress });
      return;
    case 'analysis-done':
      if (event.requestId === get().requestId) set({ status: 'done', result: event.result, analysedText: get().text, selected: null, hovered: null, error: null });
      return;
    case 'error':
      if (event.requestId !== undefined && event.requestId === get().requestId && get().status === 'running') set({ status: 'error', error: event.message });
      else if (event.scope === 'engine' && get().status === 'running') set({ status: 'error', error: event.message });
      return;
    default:
      return;
  }
});
