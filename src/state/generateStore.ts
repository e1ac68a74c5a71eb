/**
 * Inference lab state. Stored: what the user chose (prompt, settings, model) and
 * what the engine reported (runs and their steps). Derived in selectors: the
 * token sequence of a branch, timings, the selected step's distribution.
 */
import { create } from 'zustand';
import type {
  Backend,
  BackendChoice,
  DivergenceNode,
  GenerationSummary,
  LoadProgress,
  ModelInfo,
  PromptInput,
  PromptTokens,
  ResampledStep,
  SamplingSettings,
  StepDistribution,
  StepSnapshot,
} from '../engine/protocol';
import { DEFAULT_SAMPLING } from '../engine/sampling/types';
import { engine } from './engineClient';
import { readStored, writeStored } from './persistence';
import { DEFAULT_REMOTE_HOST, EMBEDDED_MODEL_ID, catalogEntry } from './modelCatalog';

export interface RunView {
  runId: string;
  /** known from the first step on */
  branchId: string | null;
  prompt: PromptTokens;
  parent: { branchId: string; stepIndex: number } | null;
  /** the steps this run computed (a branch starts at its branch point) */
  steps: StepSnapshot[];
  summary: GenerationSummary | null;
  status: 'running' | 'done' | 'error';
  useKvCache: boolean;
  label: string;
}

export interface ModelState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** the model being loaded (or last loaded) */
  requestedId: string;
  info: ModelInfo | null;
  backend: Backend | null;
  backendReason: string;
  threads: number;
  progress: LoadProgress | null;
  error: string | null;
}

export interface RunManyState {
  runId: string;
  runs: number;
  done: number;
  status: 'running' | 'done' | 'error';
  texts: string[];
  sequences: number[][];
  tree: DivergenceNode | null;
  tokenTexts: Record<number, string>;
  settings: SamplingSettings;
}

interface Persisted {
  prompt: string;
  /** add the model's own special tokens (e.g. BOS) when tokenizing the prompt; off for rendered chat templates */
  addSpecialTokens: boolean;
  settings: SamplingSettings;
  maxNewTokens: number;
  backendChoice: BackendChoice;
  modelId: string;
  remoteHost: string;
  runCount: number;
}

interface InferenceState extends Persisted {
  model: ModelState;
  runs: Record<string, RunView>;
  runOrder: string[];
  activeRunId: string | null;
  /** null: follow the newest step */
  selectedStep: number | null;
  resampled: ResampledStep | null;
  /** the settings `resampled` was computed with (while they differ from `settings`, a newer re-sample is on its way) */
  resampledSettings: SamplingSettings | null;
  kvOffRunId: string | null;
  runMany: RunManyState | null;
  error: string | null;
}

const STORAGE_KEY = 'nexttoken.inference.v1';
export const DEFAULT_PROMPT = 'The ship';

const stored = readStored<Partial<Persisted>>(STORAGE_KEY);
const persistedDefaults: Persisted = {
  prompt: stored?.prompt ?? DEFAULT_PROMPT,
  addSpecialTokens: stored?.addSpecialTokens ?? true,
  settings: { ...DEFAULT_SAMPLING, ...(stored?.settings ?? {}) },
  maxNewTokens: stored?.maxNewTokens ?? 32,
  backendChoice: stored?.backendChoice ?? 'auto',
  modelId: stored?.modelId ?? EMBEDDED_MODEL_ID,
  remoteHost: stored?.remoteHost ?? DEFAULT_REMOTE_HOST,
  runCount: stored?.runCount ?? 5,
};

/** What a freshly loaded model starts with: no runs yet. */
const NO_RUNS = {
  runs: {},
  runOrder: [],
  activeRunId: null,
  selectedStep: null,
  resampled: null,
  resampledSettings: null,
  kvOffRunId: null,
  runMany: null,
} satisfies Partial<InferenceState>;

export const useGenerateStore = create<InferenceState>()(() => ({
  ...persistedDefaults,
  model: { status: 'idle', requestedId: persistedDefaults.modelId, info: null, backend: null, backendReason: '', threads: 0, progress: null, error: null },
  ...NO_RUNS,
  error: null,
}));

const set = useGenerateStore.setState;
const get = useGenerateStore.getState;

useGenerateStore.subscribe((s, prev) => {
  const keys: (keyof Persisted)[] = ['prompt', 'addSpecialTokens', 'settings', 'maxNewTokens', 'backendChoice', 'modelId', 'remoteHost', 'runCount'];
  if (keys.every((k) => s[k] === prev[k])) return;
  const out = {} as Record<string, unknown>;
  for (const k of keys) out[k] = s[k];
  writeStored(STORAGE_KEY, out);
});

// ---------------------------------------------------------------- derived

const NO_STEPS: StepSnapshot[] = [];
/** Derived arrays are cached per `runs` object so selectors return stable values (zustand compares by identity). */
const sequenceCache = new WeakMap<Record<string, RunView>, Map<string, StepSnapshot[]>>();

/** Every step of a run's sequence, inherited ones (before a branch point) included. */
export function sequenceSteps(state: Pick<InferenceState, 'runs'>, runId: string | null): StepSnapshot[] {
  if (!runId) return NO_STEPS;
  const run = state.runs[runId];
  if (!run) return NO_STEPS;
  if (!run.parent) return run.steps;
  let byRun = sequenceCache.get(state.runs);
  if (!byRun) sequenceCache.set(state.runs, (byRun = new Map()));
  const cached = byRun.get(runId);
  if (cached) return cached;
  const parentRun = Object.values(state.runs).find((r) => r.branchId === run.parent!.branchId);
  const inherited = parentRun ? sequenceSteps(state, parentRun.runId).slice(0, run.parent.stepIndex) : NO_STEPS;
  const out = [...inherited, ...run.steps];
  byRun.set(runId, out);
  return out;
}

export function decodeTimings(steps: StepSnapshot[]) {
  const prefill = steps.find((s) => s.phase === 'prefill');
  const decode = steps.filter((s) => s.phase === 'decode');
  const decodeMs = decode.reduce((a, s) => a + s.ms, 0);
  return {
    ttftMs: prefill?.ms ?? null,
    decodeTokensPerSecond: decode.length && decodeMs > 0 ? (decode.length * 1000) / decodeMs : null,
    meanDecodeMs: decode.length ? decodeMs / decode.length : null,
  };
}

// ---------------------------------------------------------------- actions

let runCounter = 0;
function newRunId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${runCounter++}`;
}

export const generateActions = {
  setPrompt: (prompt: string) => set({ prompt }),
  setAddSpecialTokens: (addSpecialTokens: boolean) => set({ addSpecialTokens }),

  /** A prompt from elsewhere (a rendered chat template): shown in the prompt field and generated from once a model is ready. */
  runPrompt(text: string) {
    set({ prompt: text, addSpecialTokens: false });
    if (get().model.info && get().model.status === 'ready' && !isGenerating(get())) generateActions.generate();
    else runWhenReady = true;
  },
  setSettings: (patch: Partial<SamplingSettings>) => set((s) => ({ settings: { ...s.settings, ...patch } })),
  setMaxNewTokens: (maxNewTokens: number) => set({ maxNewTokens }),
  setBackendChoice: (backendChoice: BackendChoice) => set({ backendChoice }),
  setRemoteHost: (remoteHost: string) => set({ remoteHost }),
  setRunCount: (runCount: number) => set({ runCount }),
  selectStep: (selectedStep: number | null) => set({ selectedStep }),
  selectRun: (activeRunId: string) => set({ activeRunId, selectedStep: null }),

  loadModel(modelId: string = get().modelId) {
    const { backendChoice, remoteHost } = get();
    const requestId = engine.newRequestId();
    loadRequestId = requestId;
    set((s) => ({ modelId, model: { ...s.model, status: 'loading', requestedId: modelId, progress: null, error: null } }));
    engine.send({ type: 'load-model', requestId, modelId, backend: backendChoice, remoteHost, dtype: catalogEntry(modelId)?.dtype });
  },

  generate(prompt?: PromptInput) {
    const { settings, maxNewTokens, model } = get();
    if (model.status !== 'ready' && !model.info) return;
    const runId = newRunId('run');
    const input: PromptInput = prompt ?? { text: get().prompt, addSpecialTokens: get().addSpecialTokens };
    startRun(runId, 'Generation', true);
    engine.send({ type: 'generate', runId, prompt: input, settings, maxNewTokens, useKvCache: true });
  },

  /** The same prompt again with the KV cache off: every step recomputes the whole sequence. */
  generateWithoutKvCache() {
    const { settings, maxNewTokens, activeRunId, runs } = get();
    const active = activeRunId ? runs[activeRunId] : null;
    const runId = newRunId('nokv');
    set({ kvOffRunId: runId });
    startRun(runId, 'KV cache off', false, false);
    const prompt: PromptInput = active ? { ids: active.prompt.ids } : { text: get().prompt, addSpecialTokens: get().addSpecialTokens };
    engine.send({ type: 'generate', runId, prompt, settings, maxNewTokens, useKvCache: false });
  },

  /** "Pick this token instead": continue from step `stepIndex` of the active run with `tokenId`. */
  branch(stepIndex: number, tokenId: number) {
    const { activeRunId, runs, settings, maxNewTokens } = get();
    const active = activeRunId ? runs[activeRunId] : null;
    const fromBranchId = active ? branchIdAt(active, stepIndex) : null;
    if (!active || !fromBranchId) return;
    const runId = newRunId('branch');
    startRun(runId, `Branch at step ${stepIndex + 1}`, true);
    set({ selectedStep: stepIndex });
    engine.send({ type: 'branch', runId, fromBranchId, stepIndex, tokenId, settings, maxNewTokens, useKvCache: true });
  },

  stop() {
    const { runs, runMany } = get();
    for (const run of Object.values(runs)) if (run.status === 'running') engine.send({ type: 'stop', runId: run.runId });
    if (runMany?.status === 'running') engine.send({ type: 'stop', runId: runMany.runId });
  },

  runManyTimes() {
    const { settings, maxNewTokens, runCount, prompt, addSpecialTokens } = get();
    const runId = newRunId('many');
    set({ runMany: { runId, runs: runCount, done: 0, status: 'running', texts: [], sequences: [], tree: null, tokenTexts: {}, settings } });
    engine.send({ type: 'run-many', runId, prompt: { text: prompt, addSpecialTokens }, settings, maxNewTokens, useKvCache: true, runs: runCount });
  },
};

/** The branch that holds step `stepIndex` of a run (inherited steps live in the parent's branch). */
function branchIdAt(run: RunView, stepIndex: number): string | null {
  if (run.parent && stepIndex < run.parent.stepIndex) return run.parent.branchId;
  return run.branchId ?? run.steps[0]?.branchId ?? null;
}

/** Runs kept for branching and review; older finished ones are dropped so memory stays bounded. */
export const MAX_KEPT_RUNS = 12;

/** The oldest finished runs beyond the limit, except the active one and those a kept branch grew from. */
export function runsToDrop(runs: Record<string, RunView>, order: string[], keep: Set<string>): Set<string> {
  const drop = new Set<string>();
  let excess = order.length - MAX_KEPT_RUNS;
  for (const id of order) {
    if (excess <= 0) break;
    const run = runs[id];
    const isParent = order.some((other) => !drop.has(other) && other !== id && runs[other]?.parent?.branchId === run.branchId && run.branchId !== null);
    if (keep.has(id) || run.status === 'running' || isParent) continue;
    drop.add(id);
    excess--;
  }
  return drop;
}

function startRun(runId: string, label: string, activate: boolean, useKvCache = true) {
  set((s) => {
    const runs: Record<string, RunView> = {
      ...s.runs,
      [runId]: { runId, branchId: null, prompt: { ids: [], texts: [] }, parent: null, steps: [], summary: null, status: 'running', useKvCache, label },
    };
    const order = [...s.runOrder, runId];
    const drop = runsToDrop(runs, order, new Set([runId, s.activeRunId ?? '', s.kvOffRunId ?? '']));
    for (const id of drop) delete runs[id];
    return {
      runs,
      runOrder: order.filter((id) => !drop.has(id)),
      ...(activate ? { activeRunId: runId, selectedStep: null } : {}),
      error: null,
    };
  });
}

function patchRun(runId: string, patch: (run: RunView) => Partial<RunView>) {
  set((s) => {
    const run = s.runs[runId];
    if (!run) return {};
    return { runs: { ...s.runs, [runId]: { ...run, ...patch(run) } } };
  });
}

// ---------------------------------------------------------------- re-sampling the selected step

let loadRequestId = -1;
/** a prompt sent from another lab waits for the model to finish loading */
let runWhenReady = false;
let resampleInFlight: number | null = null;
let resampleInFlightSettings: SamplingSettings | null = null;
let resampleDirty = false;

function selectedTarget(s: InferenceState): { branchId: string; stepIndex: number } | null {
  const run = s.activeRunId ? s.runs[s.activeRunId] : null;
  if (!run) return null;
  const steps = sequenceSteps(s, run.runId);
  if (steps.length === 0) return null;
  const stepIndex = s.selectedStep ?? steps.length - 1;
  const step = steps[stepIndex];
  return step ? { branchId: step.branchId, stepIndex } : null;
}

function requestResample() {
  if (resampleInFlight !== null) {
    resampleDirty = true;
    return;
  }
  resampleDirty = false;
  const s = get();
  const target = selectedTarget(s);
  if (!target) return;
  const requestId = engine.newRequestId();
  resampleInFlight = requestId;
  resampleInFlightSettings = s.settings;
  engine.send({ type: 'resample', requestId, branchId: target.branchId, stepIndex: target.stepIndex, settings: s.settings });
}

function resampleFinished() {
  resampleInFlight = null;
  if (resampleDirty) requestResample();
}

useGenerateStore.subscribe((s, prev) => {
  if (s.settings !== prev.settings || s.selectedStep !== prev.selectedStep || s.activeRunId !== prev.activeRunId) requestResample();
});

// ---------------------------------------------------------------- engine events

/**
 * Steps can arrive faster than the screen refreshes: they are applied to the store at most once
 * per animation frame, so streaming never re-renders the panels more often than they can paint.
 */
const pendingSteps = new Map<string, StepSnapshot[]>();
let flushScheduled = false;

function queueStep(runId: string, step: StepSnapshot) {
  const list = pendingSteps.get(runId);
  if (list) list.push(step);
  else pendingSteps.set(runId, [step]);
  if (flushScheduled) return;
  flushScheduled = true;
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && document.visibilityState === 'visible') requestAnimationFrame(flushSteps);
  else setTimeout(flushSteps, 16);
}

function flushSteps() {
  flushScheduled = false;
  if (pendingSteps.size === 0) return;
  const batches = [...pendingSteps.entries()];
  pendingSteps.clear();
  for (const [runId, steps] of batches) {
    patchRun(runId, (run) => ({ steps: [...run.steps, ...steps], branchId: run.branchId ?? steps[0].branchId }));
  }
  // following the newest step: its distribution comes from the step itself until re-sampled
  const active = get().activeRunId;
  if (batches.some(([id]) => id === active) && get().selectedStep === null) set({ resampled: null });
}

engine.subscribe((event) => {
  switch (event.type) {
    case 'model-load':
      if (event.requestId === loadRequestId) set((s) => ({ model: { ...s.model, progress: event.progress } }));
      return;
    case 'model-ready':
      if (event.requestId !== loadRequestId) return;
      set((s) => ({
        model: { ...s.model, status: 'ready', info: event.info, backend: event.backend, backendReason: event.backendReason, threads: event.threads, error: null },
        ...NO_RUNS,
      }));
      if (runWhenReady) {
        runWhenReady = false;
        generateActions.generate();
      }
      return;
    case 'model-error':
      if (event.requestId !== loadRequestId) return;
      // the previous model (if any) stays loaded and usable, and stays the one selected (and remembered for the next visit)
      set((s) => ({ modelId: s.model.info?.modelId ?? s.modelId, model: { ...s.model, status: s.model.info ? 'ready' : 'error', error: event.message, progress: null } }));
      return;
    case 'run-started':
      patchRun(event.runId, () => ({ prompt: event.prompt, parent: event.parent, useKvCache: event.useKvCache }));
      return;
    case 'step':
      queueStep(event.runId, event.step);
      return;
    case 'run-done':
      flushSteps();
      patchRun(event.runId, () => ({ summary: event.summary, status: 'done' }));
      if (event.runId === get().activeRunId) requestResample();
      return;
    case 'resampled':
      if (event.requestId === resampleInFlight) {
        set({ resampled: event.step, resampledSettings: resampleInFlightSettings });
        resampleFinished();
      }
      return;
    case 'run-many-progress':
      set((s) => (s.runMany?.runId === event.runId ? { runMany: { ...s.runMany, done: event.run + 1, texts: [...s.runMany.texts, event.text] } } : {}));
      return;
    case 'run-many-done':
      set((s) =>
        s.runMany?.runId === event.runId
          ? { runMany: { ...s.runMany, status: 'done', tree: event.tree, texts: event.texts, sequences: event.sequences, tokenTexts: event.tokenTexts } }
          : {},
      );
      return;
    case 'error':
      if (event.requestId !== undefined && event.requestId === resampleInFlight) {
        resampleFinished();
        return;
      }
      if (event.runId) {
        patchRun(event.runId, () => ({ status: 'error' }));
        set((s) => ({ error: event.message, runMany: s.runMany && s.runMany.runId === event.runId ? { ...s.runMany, status: 'error' } : s.runMany }));
      } else if (event.scope === 'engine') {
        // the worker restarted: runs in flight are gone, and so is the model
        set((s) => ({
          error: event.message,
          runs: Object.fromEntries(Object.entries(s.runs).map(([k, r]) => [k, r.status === 'running' ? { ...r, status: 'error' as const } : r])),
          model: { ...s.model, status: 'idle', info: null },
        }));
        resampleInFlight = null;
      }
      return;
    default:
      return;
  }
});

// ---------------------------------------------------------------- the selected step, under the current settings

export interface StepView {
  step: StepSnapshot;
  stepIndex: number;
  distribution: StepDistribution;
  /** 'current': re-sampled from the kept logits with the settings now shown; 'updating': re-sampled with earlier
   * settings, a re-sample with the shown ones is on its way; 'generation': as generated */
  source: 'current' | 'updating' | 'generation';
}

let viewCache: { key: unknown[]; view: StepView | null } = { key: [], view: null };

/** The selected step as the panels draw it (memoised on its inputs, so selectors stay stable). */
export function selectedStepView(s: InferenceState): StepView | null {
  const key = [s.runs, s.activeRunId, s.selectedStep, s.resampled, s.resampledSettings, s.settings];
  if (key.every((k, i) => k === viewCache.key[i])) return viewCache.view;
  viewCache = { key, view: computeStepView(s) };
  return viewCache.view;
}

function computeStepView(s: InferenceState): StepView | null {
  const steps = sequenceSteps(s, s.activeRunId);
  if (steps.length === 0) return null;
  const stepIndex = Math.min(s.selectedStep ?? steps.length - 1, steps.length - 1);
  const step = steps[stepIndex];
  const r = s.resampled;
  if (r && r.stepIndex === stepIndex && r.branchId === step.branchId) {
    return { step, stepIndex, distribution: r.distribution, source: s.resampledSettings === s.settings ? 'current' : 'updating' };
  }
  return { step, stepIndex, distribution: step.distribution, source: 'generation' };
}

export function isGenerating(s: InferenceState): boolean {
  return Object.values(s.runs).some((r) => r.status === 'running') || s.runMany?.status === 'running';
}
