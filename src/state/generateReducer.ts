/**
 * The Generate lab's state and how engine reports change it: pure functions `(state, event) → state`, with no
 * side effects, so they are tested without a browser or a worker (generateReducer.test.ts). The store
 * (generateStore.ts) sends requests and feeds what comes back through `reduceGenerate`.
 */
import type {
  Backend,
  BackendChoice,
  DivergenceNode,
  GenerationSummary,
  LoadProgress,
  ModelInfo,
  ModelReadyResponse,
  PromptTokens,
  ResampledStep,
  RunManyResponse,
  SamplingSettings,
  ServerApi,
  ServerModel,
  StepDistribution,
  StepSnapshot,
} from '../engine/protocol';
import { EMBEDDED_MODEL_ID } from '../engine/generation/catalog';
import type { ConstraintChoice, ConstraintStatus } from './constraintChoice';
import { NO_DISTRIBUTIONS, RECENT_DISTRIBUTIONS, cacheDistributions, distributionKey, toStepRecord, type DistributionCache, type StepRecord } from './stepRecords';

export interface RunView {
  runId: string;
  /** known from the first step on */
  branchId: string | null;
  prompt: PromptTokens;
  parent: { branchId: string; stepIndex: number } | null;
  /** the steps this run computed (a branch starts at its branch point), without their distributions (see stepRecords.ts) */
  steps: StepRecord[];
  /** an imported run's distributions, one per step (its steps are not in the engine); absent for a run made here */
  distributions?: StepDistribution[];
  summary: GenerationSummary | null;
  status: 'running' | 'done' | 'error';
  useKvCache: boolean;
  label: string;
}

interface ModelState {
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

interface RunManyState {
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

/** What the user chose: kept across reloads. */
export interface GenerateChoices {
  prompt: string;
  /** add the model's own special tokens (e.g. BOS) when tokenizing the prompt; off for rendered chat templates */
  addSpecialTokens: boolean;
  settings: SamplingSettings;
  maxNewTokens: number;
  backendChoice: BackendChoice;
  modelId: string;
  remoteHost: string;
  runCount: number;
  /** where the model runs: in this browser, or on a server the user connected */
  backendKind: BackendKind;
  /** the server's OpenAI-compatible base URL, e.g. http://localhost:8000/v1 */
  serverUrl: string;
  serverApi: ServerApi;
  /** the server model last chosen */
  serverModel: string;
  /** grammar-constrained decoding: none, JSON, a schema, a regex, a grammar, choices or a tool call */
  constraint: ConstraintChoice;
}

export type BackendKind = 'browser' | 'server';

/** The server connection: nothing is sent to a server before the user presses Connect. */
export interface ServerConnection {
  status: 'idle' | 'connecting' | 'connected' | 'error';
  /** the error, written for the user */
  message: string | null;
  models: ServerModel[];
  /** where text is sent while the server backend is active */
  origin: string | null;
}

export interface GenerateState extends GenerateChoices {
  model: ModelState;
  server: ServerConnection;
  /** held in memory only (and in sessionStorage when the user asks): never in localStorage, links or exports */
  serverApiKey: string;
  rememberApiKey: boolean;
  runs: Record<string, RunView>;
  runOrder: string[];
  activeRunId: string | null;
  /** the full distributions the page holds: recent, selected and fetched steps (bounded; the engine keeps the rest) */
  distributions: DistributionCache;
  /** null: follow the newest step */
  selectedStep: number | null;
  resampled: ResampledStep | null;
  /** the settings `resampled` was computed with (while they differ from `settings`, a newer re-sample is on its way) */
  resampledSettings: SamplingSettings | null;
  /** the constraint `resampled` was masked with (as `resampledSettings`) */
  resampledConstraint: ConstraintChoice | null;
  /** the compile of `constraint` for the current model */
  constraintStatus: ConstraintStatus;
  kvOffRunId: string | null;
  runMany: RunManyState | null;
  error: string | null;
}

/** What a freshly loaded model starts with: no runs yet. */
export const NO_RUNS = {
  runs: {},
  runOrder: [],
  activeRunId: null,
  distributions: NO_DISTRIBUTIONS,
  selectedStep: null,
  resampled: null,
  resampledSettings: null,
  resampledConstraint: null,
  kvOffRunId: null,
  runMany: null,
} satisfies Partial<GenerateState>;

/** What the engine reported, and the starts of work whose reports will follow. */
export type GenerateEvent =
  /** `server`: a server model (the browser model chosen, `modelId`, stays as it is) */
  | { type: 'model-loading'; modelId: string; server?: boolean }
  | { type: 'model-load'; progress: LoadProgress }
  | { type: 'model-ready'; response: ModelReadyResponse }
  | { type: 'model-failed'; message: string }
  | { type: 'run-queued'; runId: string; label: string; activate: boolean; useKvCache: boolean }
  | { type: 'run-started'; runId: string; prompt: PromptTokens; parent: RunView['parent']; useKvCache: boolean }
  | { type: 'steps'; runId: string; steps: StepSnapshot[] }
  /** distributions the engine gave back on request (null: it no longer keeps the step) */
  | { type: 'distributions-fetched'; entries: [string, StepDistribution | null][] }
  | { type: 'run-done'; runId: string; summary: GenerationSummary }
  | { type: 'run-failed'; runId: string; message: string }
  | { type: 'resampled'; step: ResampledStep; settings: SamplingSettings; constraint: ConstraintChoice }
  | { type: 'constraint-status'; status: ConstraintStatus }
  | { type: 'run-many-queued'; runId: string; runs: number; settings: SamplingSettings }
  | { type: 'run-many-progress'; runId: string; run: number; text: string }
  | { type: 'run-many-done'; runId: string; response: RunManyResponse }
  | { type: 'run-many-failed'; runId: string; message: string }
  | { type: 'engine-restarted'; message: string };

export function reduceGenerate(s: GenerateState, e: GenerateEvent): GenerateState {
  switch (e.type) {
    case 'model-loading':
      return { ...s, modelId: e.server ? s.modelId : e.modelId, model: { ...s.model, status: 'loading', requestedId: e.modelId, progress: null, error: null } };
    case 'model-load':
      return { ...s, model: { ...s.model, progress: e.progress } };
    case 'model-ready': {
      const r = e.response;
      // a constraint is compiled against one model's vocabulary: the new model compiles it again
      return { ...s, ...NO_RUNS, constraintStatus: { state: 'none' }, model: { ...s.model, status: 'ready', info: r.info, backend: r.backend, backendReason: r.backendReason, threads: r.threads, error: null } };
    }
    case 'model-failed':
      // the previous model (if any) stays loaded and usable, and stays the one selected (and remembered for the next visit)
      // a failed or cancelled load is not tried again on the next visit: the choice falls back to what ran before
      return { ...s, modelId: s.model.info && !s.model.info.server ? s.model.info.modelId : EMBEDDED_MODEL_ID, model: { ...s.model, status: s.model.info ? 'ready' : 'error', error: e.message, progress: null } };
    case 'run-queued': {
      const runs: Record<string, RunView> = {
        ...s.runs,
        [e.runId]: { runId: e.runId, branchId: null, prompt: { ids: [], texts: [] }, parent: null, steps: [], summary: null, status: 'running', useKvCache: e.useKvCache, label: e.label },
      };
      const order = [...s.runOrder, e.runId];
      const drop = runsToDrop(runs, order, new Set([e.runId, s.activeRunId ?? '', s.kvOffRunId ?? '']));
      for (const id of drop) delete runs[id];
      return { ...s, runs, runOrder: order.filter((id) => !drop.has(id)), ...(e.activate ? { activeRunId: e.runId, selectedStep: null } : {}), error: null };
    }
    case 'run-started':
      return patchRun(s, e.runId, () => ({ prompt: e.prompt, parent: e.parent, useKvCache: e.useKvCache }));
    case 'steps': {
      const patched = patchRun(s, e.runId, (run) => {
        const branchId = run.branchId ?? e.steps[0]?.branchId ?? null;
        return { steps: [...run.steps, ...e.steps.map((step) => toStepRecord(step, branchId ?? step.branchId))], branchId };
      });
      if (patched === s) return s;
      // the page keeps the newest steps' distributions; any other is fetched from the engine when it is shown
      const recent = e.steps.slice(-RECENT_DISTRIBUTIONS).map((step): [string, StepDistribution] => [distributionKey(step.branchId, step.stepIndex), step.distribution]);
      const next = { ...patched, distributions: cacheDistributions(s.distributions, recent, selectedKey(patched)) };
      // following the newest step: its distribution comes from the step itself until re-sampled
      return e.runId === s.activeRunId && s.selectedStep === null ? { ...next, resampled: null } : next;
    }
    case 'distributions-fetched':
      return { ...s, distributions: cacheDistributions(s.distributions, e.entries, selectedKey(s)) };
    case 'run-done':
      return patchRun(s, e.runId, () => ({ summary: e.summary, status: 'done' }));
    case 'run-failed':
      return { ...patchRun(s, e.runId, () => ({ status: 'error' })), error: e.message };
    case 'resampled':
      return { ...s, resampled: e.step, resampledSettings: e.settings, resampledConstraint: e.constraint };
    case 'constraint-status':
      return { ...s, constraintStatus: e.status };
    case 'run-many-queued':
      return { ...s, runMany: { runId: e.runId, runs: e.runs, done: 0, status: 'running', texts: [], sequences: [], tree: null, tokenTexts: {}, settings: e.settings } };
    case 'run-many-progress':
      return s.runMany?.runId === e.runId ? { ...s, runMany: { ...s.runMany, done: e.run + 1, texts: [...s.runMany.texts, e.text] } } : s;
    case 'run-many-done': {
      const r = e.response;
      return s.runMany?.runId === e.runId ? { ...s, runMany: { ...s.runMany, status: 'done', tree: r.tree, texts: r.texts, sequences: r.sequences, tokenTexts: r.tokenTexts } } : s;
    }
    case 'run-many-failed':
      return s.runMany?.runId === e.runId ? { ...s, error: e.message, runMany: { ...s.runMany, status: 'error' } } : s;
    case 'engine-restarted':
      // the worker restarted: runs in flight are gone, and so is the model
      return {
        ...s,
        error: e.message,
        runs: Object.fromEntries(Object.entries(s.runs).map(([k, r]) => [k, r.status === 'running' ? { ...r, status: 'error' as const } : r])),
        runMany: s.runMany?.status === 'running' ? { ...s.runMany, status: 'error' } : s.runMany,
        model: { ...s.model, status: 'idle', info: null },
        constraintStatus: { state: 'none' },
      };
  }
}

/** Every step of a run's sequence, inherited ones (before a branch point) included; cached per `runs` object, so
 * selectors return stable values (zustand compares by identity). */
const NO_STEPS: StepRecord[] = [];
const sequenceCache = new WeakMap<Record<string, RunView>, Map<string, StepRecord[]>>();

export function sequenceSteps(state: Pick<GenerateState, 'runs'>, runId: string | null): StepRecord[] {
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

/** The cache key of the selected step (null while following the newest one, which the recent window holds). */
function selectedKey(s: GenerateState): string | null {
  if (s.selectedStep === null) return null;
  const step = sequenceSteps(s, s.activeRunId)[s.selectedStep];
  return step ? distributionKey(step.branchId, step.stepIndex) : null;
}

function patchRun(s: GenerateState, runId: string, patch: (run: RunView) => Partial<RunView>): GenerateState {
  const run = s.runs[runId];
  if (!run) return s;
  return { ...s, runs: { ...s.runs, [runId]: { ...run, ...patch(run) } } };
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
