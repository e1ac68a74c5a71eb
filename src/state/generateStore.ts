/**
 * Generate lab state. Stored: what the user chose (prompt, settings, model) and what the engine reported (runs and
 * their steps), reduced by the pure `reduceGenerate` (generateReducer.ts). Derived in selectors: the token sequence
 * of a branch, timings, the selected step's distribution. Actions send requests and feed what comes back through
 * the reducer.
 */
import { create } from 'zustand';
import type { BackendChoice, Conversation, EngineRequest, PromptInput, RequestType, ResponseTo, SamplingSettings, ServerApi, StepDistribution, StepSnapshot } from '../engine/protocol';
import { useChatStore } from './chatStore';
import { DEFAULT_SAMPLING } from '../engine/sampling/types';
import { DEFAULT_REMOTE_HOST, EMBEDDED_MODEL_ID, catalogEntry } from '../engine/generation/catalog';
import { engine, EngineError, type RequestOptions } from './engineClient';
import { messageOf } from '../engine/protocol';
import { latestWins } from './latestWins';
import { defined, field, isRecord, persisted } from './persistence';
import { DEFAULT_CONSTRAINT, constraintKey, constraintSpecOf, readConstraintChoice, type ConstraintChoice } from './constraintChoice';
import type { ConstraintKind } from '../engine/grammar/types';
import { distributionKey, withDistribution, type StepRecord } from './stepRecords';
import { NO_RUNS, reduceGenerate, sequenceSteps, type BackendKind, type GenerateChoices, type GenerateEvent, type GenerateState, type RunView } from './generateReducer';

export type { GenerateState } from './generateReducer';
export { sequenceSteps } from './generateReducer';

const DEFAULT_PROMPT = 'The ship';

const DEFAULTS: GenerateChoices = {
  prompt: DEFAULT_PROMPT,
  addSpecialTokens: true,
  settings: DEFAULT_SAMPLING,
  maxNewTokens: 32,
  backendChoice: 'auto',
  modelId: EMBEDDED_MODEL_ID,
  remoteHost: DEFAULT_REMOTE_HOST,
  runCount: 5,
  backendKind: 'browser',
  serverUrl: 'http://localhost:8000/v1',
  serverApi: 'completions',
  serverModel: '',
  constraint: DEFAULT_CONSTRAINT,
};

const persistence = persisted<GenerateChoices>({
  key: 'nexttoken.inference.v1',
  version: 2,
  migrate: (stored) =>
    defined({
      prompt: field.string(stored.prompt),
      addSpecialTokens: field.boolean(stored.addSpecialTokens),
      settings: isRecord(stored.settings) ? { ...DEFAULT_SAMPLING, ...readSettings(stored.settings) } : undefined,
      maxNewTokens: field.number(stored.maxNewTokens, 1, Infinity, true),
      backendChoice: field.oneOf(stored.backendChoice, ['auto', 'webgpu', 'wasm'] as const),
      modelId: field.string(stored.modelId),
      remoteHost: field.string(stored.remoteHost),
      runCount: field.number(stored.runCount, 1, Infinity, true),
      backendKind: field.oneOf(stored.backendKind, ['browser', 'server'] as const),
      serverUrl: field.string(stored.serverUrl),
      serverApi: field.oneOf(stored.serverApi, ['completions', 'chat'] as const),
      serverModel: field.string(stored.serverModel),
      constraint: readConstraintChoice(stored.constraint),
    }),
});

function readSettings(s: Record<string, unknown>): Partial<SamplingSettings> {
  return defined({
    temperature: field.number(s.temperature, 0),
    topK: field.number(s.topK, 0, Infinity, true),
    topP: field.number(s.topP, 0, 1),
    minP: field.number(s.minP, 0, 1),
    repetitionPenalty: field.number(s.repetitionPenalty, 0),
    seed: field.number(s.seed, 0, Infinity, true),
  });
}

const initial: GenerateChoices = { ...DEFAULTS, ...persistence.initial };

/** An API key the user asked to remember stays for this tab only (sessionStorage), never in localStorage. */
const API_KEY_SESSION_KEY = 'nexttoken.serverApiKey';
function rememberedApiKey(): string {
  try {
    return sessionStorage.getItem(API_KEY_SESSION_KEY) ?? '';
  } catch {
    return '';
  }
}
function rememberApiKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(API_KEY_SESSION_KEY, key);
    else sessionStorage.removeItem(API_KEY_SESSION_KEY);
  } catch {
    /* the key just is not remembered */
  }
}

export const useGenerateStore = create<GenerateState>()(() => ({
  ...initial,
  server: { status: 'idle', message: null, models: [], origin: null },
  serverApiKey: rememberedApiKey(),
  rememberApiKey: rememberedApiKey() !== '',
  model: { status: 'idle', requestedId: initial.modelId, info: null, backend: null, backendReason: '', threads: 0, progress: null, error: null },
  ...NO_RUNS,
  constraintStatus: { state: 'none' },
  error: null,
}));

const set = useGenerateStore.setState;
const get = useGenerateStore.getState;
const dispatch = (event: GenerateEvent) => set((s) => reduceGenerate(s, event));

persistence.connect(useGenerateStore, (s): GenerateChoices => ({
  prompt: s.prompt,
  addSpecialTokens: s.addSpecialTokens,
  settings: s.settings,
  maxNewTokens: s.maxNewTokens,
  backendChoice: s.backendChoice,
  modelId: s.modelId,
  remoteHost: s.remoteHost,
  runCount: s.runCount,
  backendKind: s.backendKind,
  serverUrl: s.serverUrl,
  serverApi: s.serverApi,
  serverModel: s.serverModel,
  constraint: s.constraint,
}));

// ---------------------------------------------------------------- what the store keeps outside the state

/** The latest load: an older load's answer is ignored. */
let latestLoad = 0;
/** Cancels the load in progress (Cancel, or a newer load). */
let loadAbort: AbortController | null = null;
/** A prompt sent from another lab waits for the model to finish loading. */
let runWhenReady = false;
/** One abort per request in flight that Stop ends (runs and "run N times"). */
const stoppable = new Map<string, AbortController>();
let runCounter = 0;

function newRunId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${runCounter++}`;
}

// ---------------------------------------------------------------- derived

export function decodeTimings(steps: readonly Pick<StepRecord, 'phase' | 'ms'>[]) {
  const prefill = steps.find((s) => s.phase === 'prefill');
  const decode = steps.filter((s) => s.phase === 'decode');
  const decodeMs = decode.reduce((a, s) => a + s.ms, 0);
  return {
    ttftMs: prefill?.ms ?? null,
    decodeTokensPerSecond: decode.length && decodeMs > 0 ? (decode.length * 1000) / decodeMs : null,
    meanDecodeMs: decode.length ? decodeMs / decode.length : null,
  };
}

export function isGenerating(s: GenerateState): boolean {
  return Object.values(s.runs).some((r) => r.status === 'running') || s.runMany?.status === 'running';
}

export interface StepView {
  step: StepRecord;
  stepIndex: number;
  /** null while it is fetched from the engine ('fetching'), or when the engine no longer keeps it ('gone') */
  distribution: StepDistribution | null;
  /** 'current': re-sampled from the kept logits with the settings now shown; 'updating': re-sampled with earlier
   * settings, a re-sample with the shown ones is on its way; 'generation': as generated */
  source: 'current' | 'updating' | 'generation' | 'fetching' | 'gone';
}

let viewCache: { key: unknown[]; view: StepView | null } = { key: [], view: null };

/** The selected step as the panels draw it (memoised on its inputs and on what it shows, so selectors stay stable:
 * a streamed step that changes neither the selected step nor its distribution re-renders nothing). */
export function selectedStepView(s: GenerateState): StepView | null {
  const key = [s.runs, s.activeRunId, s.selectedStep, s.resampled, s.resampledSettings, s.settings, s.resampledConstraint, s.constraint, s.distributions];
  if (key.every((k, i) => k === viewCache.key[i])) return viewCache.view;
  const view = computeStepView(s);
  const old = viewCache.view;
  const same = old && view && old.step === view.step && old.stepIndex === view.stepIndex && old.distribution === view.distribution && old.source === view.source;
  viewCache = { key, view: same ? old : view };
  return viewCache.view;
}

function computeStepView(s: GenerateState): StepView | null {
  const steps = sequenceSteps(s, s.activeRunId);
  if (steps.length === 0) return null;
  const stepIndex = Math.min(s.selectedStep ?? steps.length - 1, steps.length - 1);
  const step = steps[stepIndex];
  const r = s.resampled;
  if (r && r.stepIndex === stepIndex && r.branchId === step.branchId) {
    const current = s.resampledSettings === s.settings && s.resampledConstraint === s.constraint;
    return { step, stepIndex, distribution: r.distribution, source: current ? 'current' : 'updating' };
  }
  const imported = s.activeRunId ? s.runs[s.activeRunId]?.distributions?.[stepIndex] : undefined;
  if (imported) return { step, stepIndex, distribution: imported, source: 'generation' };
  const held = s.distributions.get(distributionKey(step.branchId, step.stepIndex));
  if (held === undefined) return { step, stepIndex, distribution: null, source: 'fetching' };
  return { step, stepIndex, distribution: held, source: held ? 'generation' : 'gone' };
}

/** Fetches the shown step's distribution as generated when the page does not hold it (one request per step). */
let fetchingKey: string | null = null;
async function fetchShownDistribution(step: StepRecord) {
  const key = distributionKey(step.branchId, step.stepIndex);
  if (fetchingKey === key) return;
  fetchingKey = key;
  try {
    const { distributions } = await engine.request({ type: 'step-distributions', steps: [{ branchId: step.branchId, stepIndex: step.stepIndex }] });
    dispatch({ type: 'distributions-fetched', entries: [[key, distributions[0] ?? null]] });
  } catch {
    // no model (the engine restarted, or another model was loaded): the step's runs are gone with it
    dispatch({ type: 'distributions-fetched', entries: [[key, null]] });
  } finally {
    if (fetchingKey === key) fetchingKey = null;
  }
}

/**
 * Every step of a run's sequence in full, for an export: the page's records with their distributions as generated
 * (an imported run's own, else the page's cache, else asked from the engine in one request). Throws, naming the
 * steps, when the engine no longer keeps some of them.
 */
export async function fullSequenceSteps(runId: string): Promise<StepSnapshot[]> {
  const s = get();
  const run = s.runs[runId];
  const steps = sequenceSteps(s, runId);
  if (run?.distributions) return steps.map((r, i) => withDistribution(r, run.distributions![i]));
  const missing = steps.filter((r) => !s.distributions.get(distributionKey(r.branchId, r.stepIndex)));
  const fetched = new Map<string, StepDistribution | null>();
  if (missing.length) {
    const { distributions } = await engine.request({ type: 'step-distributions', steps: missing.map((r) => ({ branchId: r.branchId, stepIndex: r.stepIndex })) });
    missing.forEach((r, i) => fetched.set(distributionKey(r.branchId, r.stepIndex), distributions[i] ?? null));
  }
  const gone: number[] = [];
  const out = steps.map((r, i) => {
    const key = distributionKey(r.branchId, r.stepIndex);
    const d = s.distributions.get(key) ?? fetched.get(key) ?? null;
    if (!d) gone.push(i + 1);
    return d ? withDistribution(r, d) : null;
  });
  if (gone.length) throw new Error(`the engine no longer keeps the distributions of ${gone.length === 1 ? `step ${gone[0]}` : `steps ${gone[0]}–${gone[gone.length - 1]}`} (it keeps the latest 4,096 steps generated with the loaded model); generate again to export`);
  return out as StepSnapshot[];
}

/** The step the panels show: the selected one, else the newest. */
function selectedTarget(s: GenerateState): { branchId: string; stepIndex: number } | null {
  const run = s.activeRunId ? s.runs[s.activeRunId] : null;
  if (!run) return null;
  const steps = sequenceSteps(s, run.runId);
  if (steps.length === 0) return null;
  const stepIndex = s.selectedStep ?? steps.length - 1;
  const step = steps[stepIndex];
  return step ? { branchId: step.branchId, stepIndex } : null;
}

/** With a server on the chat API, the Chat lab's conversation is what the model answers. */
function chatMessages(): Conversation | undefined {
  const server = get().model.info?.server;
  return server?.api === 'chat' ? useChatStore.getState().conversation : undefined;
}

/** The constraint field of a run request (absent when unconstrained). */
function constraintParam() {
  const spec = currentConstraint();
  return spec ? { constraint: spec } : {};
}

/** Why "Pick" cannot continue from a candidate here, or null when it can. */
export function branchingUnavailable(s: GenerateState): string | null {
  const server = s.model.info?.server;
  if (server?.api === 'chat') return 'Branching needs the completions API: choose "completions" to continue from a picked token (the chat API cannot continue a prefix).';
  if (server && s.constraint.kind !== 'none') return 'Branching is off while the server enforces a constraint: it would start the document over after the picked token.';
  return null;
}

/** The branch that holds step `stepIndex` of a run (inherited steps live in the parent's branch). */
function branchIdAt(run: RunView, stepIndex: number): string | null {
  if (run.parent && stepIndex < run.parent.stepIndex) return run.parent.branchId;
  return run.branchId ?? run.steps[0]?.branchId ?? null;
}

// ---------------------------------------------------------------- streaming steps

/**
 * Steps can arrive faster than the screen refreshes: they are applied to the store at most once per animation
 * frame, so streaming never re-renders the panels more often than they can paint.
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
  const batches = [...pendingSteps.entries()];
  pendingSteps.clear();
  for (const [runId, steps] of batches) dispatch({ type: 'steps', runId, steps });
}

// ---------------------------------------------------------------- the constraint

/** The constraint as the engine takes it (the tool comes from the Chat lab's definitions and template family). */
function currentConstraint(choice: ConstraintChoice = get().constraint) {
  const chat = useChatStore.getState();
  return constraintSpecOf(choice, chat.conversation.tools, chat.templateId);
}

let compileAbort: AbortController | null = null;

/** Compiles the constraint shown against the current model whenever either changes; then re-masks the selected step. */
const compileLatest = latestWins(async () => {
  const s = get();
  if (!s.model.info || s.model.status !== 'ready') return;
  const spec = currentConstraint(s.constraint);
  const key = constraintKey(spec);
  if (!spec) {
    dispatch({ type: 'constraint-status', status: { state: 'none' } });
    resampleLatest.request();
    return;
  }
  const abort = (compileAbort = new AbortController());
  dispatch({ type: 'constraint-status', status: { state: 'compiling', key, phase: null } });
  try {
    const r = await engine.request(
      { type: 'compile-constraint', constraint: spec },
      { signal: abort.signal, onEvent: (e) => e.type === 'constraint-progress' && dispatch({ type: 'constraint-status', status: { state: 'compiling', key, phase: e.phase } }) },
    );
    // edited meanwhile: the status stays pending for the compile of the edit, which follows
    if (constraintKey(currentConstraint()) !== key) return;
    dispatch({ type: 'constraint-status', status: r.type === 'constraint-ready' ? { state: 'ready', key, info: r.info } : { state: 'invalid', key, problem: r.problem } });
    if (r.type === 'constraint-ready') resampleLatest.request();
  } catch (err) {
    const cancelled = abort.signal.aborted || (err instanceof EngineError && err.code === 'cancelled');
    // Cancel said so already; or stale, as above
    if (abort.signal.aborted || constraintKey(currentConstraint()) !== key) return;
    dispatch({ type: 'constraint-status', status: cancelled ? { state: 'cancelled', key } : { state: 'failed', key, message: messageOf(err) } });
  } finally {
    if (compileAbort === abort) compileAbort = null;
  }
});

/**
 * An edit (or, for a tool constraint, a change of the Chat lab's tools or template) makes the compiled status stale at
 * once, not when the pause ends: Generate waits from the edit on, so the page never describes the constraint before
 * the edit while a run uses the new one, and a click cannot fall on a button about to turn off for the compile.
 */
function constraintPending(s: GenerateState) {
  if (s.constraint.kind === 'none' || !s.model.info || s.model.status !== 'ready') return;
  const key = constraintKey(currentConstraint(s.constraint));
  if (s.constraintStatus.state === 'compiling' && s.constraintStatus.key === key) return;
  dispatch({ type: 'constraint-status', status: { state: 'compiling', key, phase: null } });
}

/** Edits arrive per keystroke: the compile waits for a pause. */
let compileTimer: ReturnType<typeof setTimeout> | undefined;
function compileSoon(delayMs = 250) {
  clearTimeout(compileTimer);
  compileTimer = setTimeout(() => compileLatest.request(), delayMs);
}

/** Why a run cannot start with the constraint shown (invalid, still compiling), or null when it can. */
export function constraintBlocker(s: GenerateState): string | null {
  const status = s.constraintStatus;
  if (s.constraint.kind === 'none') return null;
  if (status.state === 'invalid') return 'The constraint is invalid (see the message under it): fix it, or set the constraint to None.';
  if (status.state === 'compiling') return 'The constraint is compiling…';
  return null;
}

// ---------------------------------------------------------------- re-sampling the selected step

/** The selected step under the settings and constraint now shown: re-sampled from its kept logits whenever they change. */
const resampleLatest = latestWins(async () => {
  const s = get();
  const target = selectedTarget(s);
  if (!target) return;
  const { settings, constraint } = s;
  // an invalid or compiling constraint cannot mask yet: the step keeps its last view until it compiles
  if (constraint.kind !== 'none' && s.constraintStatus.state !== 'ready') return;
  const spec = currentConstraint(constraint);
  try {
    const { step } = await engine.request({ type: 'resample', branchId: target.branchId, stepIndex: target.stepIndex, settings, ...(spec && { constraint: spec }) });
    dispatch({ type: 'resampled', step, settings, constraint });
  } catch {
    // the step's logits are gone (evicted, or the engine restarted), or the text before the step breaks the new
    // constraint: the panels keep the step as generated
  }
});

/** A request that Stop can end. */
function stoppableRequest<R extends EngineRequest>(
  runId: string,
  request: R,
  onEvent: RequestOptions['onEvent'],
): Promise<ResponseTo<R['type'] & RequestType>> {
  const abort = new AbortController();
  stoppable.set(runId, abort);
  return engine.request(request, { signal: abort.signal, onEvent }).finally(() => stoppable.delete(runId));
}

/** Starts a run and feeds its stream into the state; steps are applied once per animation frame. */
async function run(runId: string, label: string, activate: boolean, request: Extract<EngineRequest, { type: 'generate' | 'branch' }>) {
  dispatch({ type: 'run-queued', runId, label, activate, useKvCache: request.useKvCache });
  try {
    const { summary } = await stoppableRequest(runId, request, (e) => {
      if (e.type === 'run-started') dispatch({ type: 'run-started', runId, prompt: e.prompt, parent: e.parent, useKvCache: e.useKvCache });
      else if (e.type === 'step') queueStep(runId, e.step);
    });
    flushSteps();
    dispatch({ type: 'run-done', runId, summary });
    if (runId === get().activeRunId) resampleLatest.request();
  } catch (err) {
    flushSteps();
    // a crashed engine is reported once, by the restart handler below; a Stop the engine never confirmed still ends the run
    if (!(err instanceof EngineError && err.scope === 'engine' && !err.cancelled)) dispatch({ type: 'run-failed', runId, message: messageOf(err) });
  }
}

// ---------------------------------------------------------------- actions

export const generateActions = {
  setPrompt: (prompt: string) => set({ prompt }),
  setAddSpecialTokens: (addSpecialTokens: boolean) => set({ addSpecialTokens }),
  setSettings: (patch: Partial<SamplingSettings>) => set((s) => ({ settings: { ...s.settings, ...patch } })),
  setMaxNewTokens: (maxNewTokens: number) => set({ maxNewTokens }),
  setBackendChoice: (backendChoice: BackendChoice) => set({ backendChoice }),
  setRemoteHost: (remoteHost: string) => set({ remoteHost }),
  setRunCount: (runCount: number) => set({ runCount }),
  selectStep: (selectedStep: number | null) => set({ selectedStep }),
  setConstraintKind: (kind: ConstraintKind) => set((s) => ({ constraint: { ...s.constraint, kind } })),
  setConstraintText: (text: string) => set((s) => ({ constraint: { ...s.constraint, texts: { ...s.constraint.texts, [s.constraint.kind]: text } } })),
  setConstraintTool: (toolName: string) => set((s) => ({ constraint: { ...s.constraint, toolName } })),
  /** Stops waiting for a slow compile (the constraint stays as typed; Generate compiles it again). */
  cancelConstraintCompile() {
    // the compile in flight, and one still waiting for the pause after an edit
    clearTimeout(compileTimer);
    compileAbort?.abort();
    if (get().constraintStatus.state === 'compiling') dispatch({ type: 'constraint-status', status: { state: 'cancelled', key: constraintKey(currentConstraint()) } });
  },
  retryConstraintCompile: () => compileLatest.request(),
  selectRun: (activeRunId: string) => set({ activeRunId, selectedStep: null }),

  /** A prompt from elsewhere (a rendered chat template): shown in the prompt field and generated from once a model is ready. */
  runPrompt(text: string) {
    set({ prompt: text, addSpecialTokens: false });
    if (get().model.info && get().model.status === 'ready' && !isGenerating(get())) generateActions.generate();
    else runWhenReady = true;
  },

  /** In this browser (loads the chosen local model) or on a server (nothing is sent before Connect). */
  setBackendKind(backendKind: BackendKind) {
    set({ backendKind });
    if (backendKind === 'browser' && get().model.info?.device === 'server') void generateActions.loadModel();
  },
  setServerUrl: (serverUrl: string) => set({ serverUrl }),
  setServerApiKey(serverApiKey: string) {
    set({ serverApiKey });
    if (get().rememberApiKey) rememberApiKey(serverApiKey);
  },
  setRememberApiKey(rememberApiKeyForTab: boolean) {
    set({ rememberApiKey: rememberApiKeyForTab });
    rememberApiKey(rememberApiKeyForTab ? get().serverApiKey : null);
  },
  setServerApi(serverApi: ServerApi) {
    set({ serverApi });
    if (get().server.status === 'connected' && get().serverModel) void generateActions.useServerModel(get().serverModel);
  },

  /** Reads the server's model list, then makes the chosen (or first) model the current backend. */
  async connectServer() {
    const { serverUrl, serverApiKey } = get();
    set((s) => ({ server: { ...s.server, status: 'connecting', message: null } }));
    try {
      const r = await engine.request({ type: 'connect-server', baseUrl: serverUrl.trim(), apiKey: serverApiKey || undefined });
      const keep = r.models.some((m) => m.id === get().serverModel) ? get().serverModel : (r.models[0]?.id ?? '');
      set({ serverUrl: r.baseUrl, serverModel: keep, server: { status: 'connected', message: null, models: r.models, origin: r.origin } });
      if (keep) await generateActions.useServerModel(keep);
    } catch (err) {
      set((s) => ({ server: { ...s.server, status: 'error', message: messageOf(err) } }));
    }
  },

  /** Makes a server model the current backend (the previous model stays usable if this fails). */
  async useServerModel(modelId: string) {
    const { serverUrl, serverApiKey, serverApi } = get();
    const load = ++latestLoad;
    set({ serverModel: modelId });
    dispatch({ type: 'model-loading', modelId, server: true });
    try {
      const response = await engine.request({ type: 'use-server', baseUrl: serverUrl, apiKey: serverApiKey || undefined, modelId, api: serverApi });
      if (load === latestLoad) dispatch({ type: 'model-ready', response });
    } catch (err) {
      if (load !== latestLoad) return;
      dispatch({ type: 'model-failed', message: messageOf(err) });
      set((s) => ({ server: { ...s.server, status: 'error', message: messageOf(err) } }));
    }
  },

  /** Stops the model load in progress; the model loaded before stays usable. */
  cancelLoad() {
    loadAbort?.abort();
  },

  async loadModel(modelId: string = get().modelId) {
    const { backendChoice, remoteHost } = get();
    const load = ++latestLoad;
    loadAbort?.abort();
    const abort = (loadAbort = new AbortController());
    dispatch({ type: 'model-loading', modelId });
    try {
      const response = await engine.request(
        { type: 'load-model', modelId, backend: backendChoice, remoteHost, dtype: catalogEntry(modelId)?.dtype },
        { signal: abort.signal, onEvent: (e) => load === latestLoad && e.type === 'model-load' && dispatch({ type: 'model-load', progress: e.progress }) },
      );
      if (load !== latestLoad) return;
      dispatch({ type: 'model-ready', response });
      if (runWhenReady) {
        runWhenReady = false;
        generateActions.generate();
      }
    } catch (err) {
      // a crashed engine is reported once, by the restart handler below
      if (load === latestLoad && !(err instanceof EngineError && err.scope === 'engine' && !err.cancelled)) dispatch({ type: 'model-failed', message: messageOf(err) });
    }
  },

  generate(prompt?: PromptInput) {
    const { settings, maxNewTokens, model } = get();
    if (model.status !== 'ready' && !model.info) return;
    const input: PromptInput = prompt ?? { text: get().prompt, addSpecialTokens: get().addSpecialTokens };
    void run(newRunId('run'), 'Generation', true, { type: 'generate', prompt: input, messages: chatMessages(), settings, maxNewTokens, useKvCache: true, ...constraintParam() });
  },

  /** The same prompt again with the KV cache off: every step recomputes the whole sequence. */
  generateWithoutKvCache() {
    const { settings, maxNewTokens, activeRunId, runs } = get();
    const active = activeRunId ? runs[activeRunId] : null;
    const runId = newRunId('nokv');
    set({ kvOffRunId: runId });
    const prompt: PromptInput = active ? { ids: active.prompt.ids } : { text: get().prompt, addSpecialTokens: get().addSpecialTokens };
    void run(runId, 'KV cache off', false, { type: 'generate', prompt, settings, maxNewTokens, useKvCache: false, ...constraintParam() });
  },

  /** "Pick this token instead": continue from step `stepIndex` of the active run with `tokenId`. */
  branch(stepIndex: number, tokenId: number) {
    const { activeRunId, runs, settings, maxNewTokens } = get();
    const active = activeRunId ? runs[activeRunId] : null;
    const fromBranchId = active ? branchIdAt(active, stepIndex) : null;
    if (!active || !fromBranchId) return;
    const runId = newRunId('branch');
    void run(runId, `Branch at step ${stepIndex + 1}`, true, { type: 'branch', fromBranchId, stepIndex, tokenId, settings, maxNewTokens, useKvCache: true, ...constraintParam() });
    set({ selectedStep: stepIndex });
  },

  /** Ends every run in flight at once (the worker answers with what it has: the summary says "stopped"). */
  stop() {
    for (const abort of stoppable.values()) abort.abort();
  },

  async runManyTimes() {
    const { settings, maxNewTokens, runCount, prompt, addSpecialTokens } = get();
    const runId = newRunId('many');
    dispatch({ type: 'run-many-queued', runId, runs: runCount, settings });
    try {
      const response = await stoppableRequest(
        runId,
        { type: 'run-many', prompt: { text: prompt, addSpecialTokens }, messages: chatMessages(), settings, maxNewTokens, useKvCache: true, runs: runCount, ...constraintParam() },
        (e) => e.type === 'run-many-progress' && dispatch({ type: 'run-many-progress', runId, run: e.run, text: e.text }),
      );
      dispatch({ type: 'run-many-done', runId, response });
    } catch (err) {
      dispatch({ type: 'run-many-failed', runId, message: messageOf(err) });
    }
  },
};

// ---------------------------------------------------------------- reacting

useGenerateStore.subscribe((s, prev) => {
  if (s.settings !== prev.settings || s.selectedStep !== prev.selectedStep || s.activeRunId !== prev.activeRunId) resampleLatest.request();
  const view = selectedStepView(s);
  if (view?.source === 'fetching') void fetchShownDistribution(view.step);
  if (s.constraint !== prev.constraint) {
    constraintPending(s);
    compileSoon(s.constraint.kind !== prev.constraint.kind ? 0 : 250);
  }
  else if (s.model.info !== prev.model.info && s.model.status === 'ready') compileSoon(0);
});

// a tool constraint follows the Chat lab's tool definitions and template
useChatStore.subscribe((c, prev) => {
  if (get().constraint.kind === 'tool' && (c.conversation.tools !== prev.conversation.tools || c.templateId !== prev.templateId)) {
    constraintPending(get());
    compileSoon();
  }
});

/** When the model was last loaded again after a crash: a model whose load itself crashes the engine is not retried in a loop. */
let lastRecovery = -Infinity;

engine.onRestart((message) => {
  const lost = get().model.info;
  stoppable.clear();
  pendingSteps.clear();
  dispatch({ type: 'engine-restarted', message });
  // the fresh engine loads the model the crashed one held; the alert goes once it is ready (a server model is
  // connected again by the user: its key may not be kept)
  if (!lost || lost.server || performance.now() - lastRecovery < 60_000) return;
  lastRecovery = performance.now();
  void generateActions.loadModel(lost.modelId).then(() => {
    if (get().error === message && get().model.status === 'ready') set({ error: null });
  });
});
