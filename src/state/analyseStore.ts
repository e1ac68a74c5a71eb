/**
 * Analyse lab state. Stored: what the user chose (text, colour measure, rank thresholds, focused token) and what the
 * engine reported (progress, result, with the worker's summary). Derived in selectors: the bucket counts, colours.
 */
import { create } from 'zustand';
import type { AnalysisProgress, AnalysisResult } from '../engine/protocol';
import { normaliseThresholds, summaryOf } from '../engine/analyse/summary';
import { DEFAULT_RANK_THRESHOLDS, type AnalysisSummary } from '../engine/analyse/types';
import { engine, EngineError } from './engineClient';
import { messageOf } from '../engine/protocol';
import { generateActions, sequenceSteps, useGenerateStore } from './generateStore';
import { defined, field, persisted } from './persistence';
import { formatCount } from './formatCount';

export type ColourMeasure = 'rank' | 'prob' | 'surprisal';

/** Texts needing more windows than this ask before running. */
export const CONFIRM_ABOVE_WINDOWS = 4;

interface Persisted {
  text: string;
  measure: ColourMeasure;
  thresholds: number[];
}

export interface AnalyseState extends Persisted {
  status: 'idle' | 'running' | 'confirm' | 'done' | 'cancelled' | 'error';
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

const DEFAULT_ANALYSE_TEXT =
  'The little robot walked to the old town and looked at the river. The little robot walked to the old town and looked at the river.';

const persistence = persisted<Persisted>({
  key: 'nexttoken.analyse.v1',
  version: 2,
  migrate: (stored) =>
    defined({
      text: field.string(stored.text),
      measure: field.oneOf(stored.measure, ['rank', 'prob', 'surprisal'] as const),
      thresholds: Array.isArray(stored.thresholds) && stored.thresholds.every((t) => typeof t === 'number') ? normaliseThresholds(stored.thresholds) : undefined,
    }),
});

export const useAnalyseStore = create<AnalyseState>()(() => ({
  text: DEFAULT_ANALYSE_TEXT,
  measure: 'rank',
  thresholds: [...DEFAULT_RANK_THRESHOLDS],
  ...persistence.initial,
  status: 'idle',
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

persistence.connect(
  useAnalyseStore,
  (s): Persisted => ({ text: s.text, measure: s.measure, thresholds: s.thresholds }),
  (stored) => stored !== get().stored && set({ stored }),
);

// ---------------------------------------------------------------- derived

/** The summary under the user's thresholds: the worker's measures plus the bucket counts (a few binary searches). */
export function analysisSummary(s: Pick<AnalyseState, 'result' | 'thresholds'>): AnalysisSummary | null {
  return s.result ? summaryOf(s.result, s.thresholds) : null;
}

/** The text the active generation run produced, prompt included (what the model saw). */
function currentGenerationText(): string | null {
  const s = useGenerateStore.getState();
  const steps = sequenceSteps(s, s.activeRunId);
  if (!s.activeRunId || steps.length === 0) return null;
  return s.prompt + steps.map((st) => st.chosen.text).join('');
}

// ---------------------------------------------------------------- actions

let running: AbortController | null = null;

async function send(force: boolean) {
  const { text } = get();
  const model = useGenerateStore.getState().model;
  // no model yet: load the chosen one (the embedded model by default); the request queues behind the load
  if (model.status !== 'loading' && !model.info) generateActions.loadModel();
  const abort = (running = new AbortController());
  set({ status: 'running', progress: null, confirm: null, error: null });
  try {
    const r = await engine.request(
      { type: 'analyse-text', text, maxWindows: force ? Number.MAX_SAFE_INTEGER : CONFIRM_ABOVE_WINDOWS },
      { signal: abort.signal, onEvent: (e) => e.type === 'analysis-progress' && set({ progress: e.progress }) },
    );
    if (r.type === 'analysis-confirm') set({ status: 'confirm', confirm: { tokens: r.tokens, windows: r.windows, contextWindow: r.contextWindow } });
    else set({ status: 'done', result: r.result, analysedText: text, selected: null, hovered: null, error: null });
  } catch (err) {
    if (err instanceof EngineError && err.cancelled) set({ status: 'cancelled', error: null });
    else set({ status: 'error', error: messageOf(err) });
  } finally {
    if (running === abort) running = null;
  }
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
      error: c ? `Not analysed: the text has ${formatCount(c.tokens)} tokens, ${c.windows} windows of ${c.contextWindow}. Shorten it, or run it and confirm.` : null,
    });
  },
  cancel() {
    running?.abort();
  },
  select: (selected: number | null) => set({ selected }),
  hover: (hovered: number | null) => set({ hovered }),
};
