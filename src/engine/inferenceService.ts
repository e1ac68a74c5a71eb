/**
 * Worker-side inference: loads models (keeping the previous one usable when a load fails) or switches to a model on
 * a server, runs the app's own generation loop on whichever backend is current and streams its steps as events.
 */
import { env } from '@huggingface/transformers';
import { loadOnnxBackend } from './backends/onnx/backend';
import { PREVIOUS_MODEL_KEPT, explainLoadError } from './backends/onnx/loadModel';
import { clearLoadFaults } from './loadFaults';
import type { NextTokenBackend } from './backends/types';
import { ServerBackend, connectServer, openServerBackend, type ServerConnection } from './backends/server/backend';
import { normaliseBaseUrl } from './backends/server/http';
import { serverName } from './backends/server/types';
import type { Conversation } from './chat/types';
import { ConstraintService, isUnconstrained } from './constraintService';
import { Generator, type GenerateOptions } from './generation/generator';
import { divergenceTree } from './generation/divergence';
import { DistributionStore } from './generation/distributionStore';
import type { GenerationSummary, StepSnapshot } from './generation/types';
import { chooseBackend, type BackendDecision } from './backendChoice';
import type {
  BranchRequest,
  CompileConstraintRequest,
  CompileConstraintResponse,
  ConnectServerRequest,
  GenerateRequest,
  GenerationParams,
  LoadModelRequest,
  ModelReadyResponse,
  PromptInput,
  ResampleRequest,
  ResampleResponse,
  RunDoneResponse,
  RunManyRequest,
  PromptFitRequest,
  PromptFitResponse,
  RunManyResponse,
  ServerModelsResponse,
  StepDistributionsRequest,
  StepDistributionsResponse,
  UseServerRequest,
} from './protocol';
import { EngineFailure, type HandlerContext } from './handlers';
import { messageOf } from './protocol';
import { fitPrompt } from './generation/promptFit';
import { LOAD_STALL_MS, LoadStalledError, checkRuntimeFiles, configureTransformers, guardLoad, wasmThreads } from './onnxRuntimeFiles';
import { rememberModelHost } from './modelFiles';
import { isEmbeddedModel } from './generation/catalog';

interface Current {
  backend: NextTokenBackend;
  generator: Generator;
  /** set when the backend is a server (its prompts are text or messages, not token ids) */
  server: ServerBackend | null;
  constraints: ConstraintService;
  /** every streamed step's distribution as generated (the UI asks for those it no longer holds) */
  distributions: DistributionStore;
}


/** The stall behind a failed load, however Transformers.js wrapped it. */
function stallOf(err: unknown): LoadStalledError | null {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof LoadStalledError) return e;
  return null;
}

/**
 * A prompt that fills the model's whole window leaves no room for one token: say so, with both counts, before the
 * run (a server's window is its own; it answers for itself).
 */
function refuseOverlongPrompt({ backend, server }: Current, promptTokens: number): void {
  const window = backend.info.contextWindow;
  if (server || promptTokens < window) return;
  throw new EngineFailure(
    `The prompt alone is ${promptTokens.toLocaleString('en')} tokens against a ${window.toLocaleString('en')}-token window: nothing can be generated after it. Shorten the prompt to fewer than ${window.toLocaleString('en')} tokens (the model reads the end of a text: keep its last part).`,
  );
}

export class InferenceService {
  private current: Current | null = null;
  /** the last server connected, reused by `use-server` with the same address and key */
  private connection: ServerConnection | null = null;

  constructor() {
    configureTransformers(env, { browserCache: true });
  }

  /** The current model, behind the one backend interface. */
  get backend(): NextTokenBackend | null {
    return this.current?.backend ?? null;
  }

  /** Loads a model; while it loads (and if it fails) the previous model stays usable. */
  async load(req: LoadModelRequest, { emit, signal }: HandlerContext): Promise<ModelReadyResponse> {
    const decision: BackendDecision = await chooseBackend(req.backend, (self.navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu);
    // An embedded model comes only from the app's own folder, a Hub model only from the remote host: a static server
    // answers a missing file under the app's folder with its index.html, which would be read as the model's config.
    const embedded = isEmbeddedModel(req.modelId);
    env.allowLocalModels = embedded;
    let backend: NextTokenBackend;
    // the load's downloads stop with Cancel, and fail when the host goes silent (LOAD_STALL_MS)
    guardLoad(signal);
    clearLoadFaults();
    try {
      await checkRuntimeFiles();
      backend = await loadOnnxBackend({
        modelId: req.modelId,
        device: decision.backend,
        dtype: req.dtype,
        allowRemoteModels: !embedded,
        remoteHost: req.remoteHost.endsWith('/') ? req.remoteHost : `${req.remoteHost}/`,
        onProgress: (progress) => emit({ type: 'model-load', modelId: req.modelId, progress }),
      });
    } catch (err) {
      const kept = this.current ? ` ${PREVIOUS_MODEL_KEPT}` : '';
      if (signal.aborted) throw new EngineFailure(`Loading "${req.modelId}" was cancelled.${kept}`, 'cancelled');
      const stalled = stallOf(err);
      if (stalled) throw new EngineFailure(`Loading "${req.modelId}" stopped: ${stalled.host} sent nothing for ${LOAD_STALL_MS / 1000} s. Check the host (and that it serves this model), then try again.${kept}`);
      const message = messageOf(explainLoadError(req.modelId, err));
      throw new EngineFailure(this.current ? message : message.replace(` ${PREVIOUS_MODEL_KEPT}`, ''));
    } finally {
      guardLoad(null);
    }
    if (signal.aborted) {
      // cancelled while the session was being built: the model the page knows stays the current one
      await backend.dispose().catch(() => undefined);
      throw new EngineFailure(`Loading "${req.modelId}" was cancelled.`, 'cancelled');
    }
    rememberModelHost(req.modelId, req.remoteHost);
    await this.makeCurrent(backend, null);
    return { type: 'model-ready', info: backend.info, backend: decision.backend, backendReason: decision.reason, threads: decision.backend === 'wasm' ? wasmThreads() : 0 };
  }

  /** Reads a server's model list (the first request to that server). */
  async connectServer(req: ConnectServerRequest, { signal }: HandlerContext): Promise<ServerModelsResponse> {
    const connection = await connectServer(req.baseUrl, req.apiKey, signal);
    this.connection = connection;
    const { baseUrl, origin, flavor, models } = connection;
    return { type: 'server-models', baseUrl, origin, flavor, models };
  }

  /** Makes a server's model the current backend; while it is checked (and if that fails) the previous one stays. */
  async useServer(req: UseServerRequest, { signal }: HandlerContext): Promise<ModelReadyResponse> {
    const { baseUrl } = normaliseBaseUrl(req.baseUrl);
    const known = this.connection;
    const same = known && (known.baseUrl === baseUrl || known.baseUrl === `${baseUrl}/v1`) && known.apiKey === (req.apiKey || undefined);
    const connection = same ? known : await connectServer(req.baseUrl, req.apiKey, signal);
    this.connection = connection;
    const backend = await openServerBackend({ connection, modelId: req.modelId, api: req.api }, signal);
    await this.makeCurrent(backend, backend);
    const reason = `Runs on ${serverName(connection.flavor)} at ${connection.origin}: the text you generate from is sent there.`;
    return { type: 'model-ready', info: backend.info, backend: 'server', backendReason: reason, threads: 0 };
  }

  private async makeCurrent(backend: NextTokenBackend, server: ServerBackend | null): Promise<void> {
    const previous = this.current;
    this.current = { backend, generator: new Generator(backend), server, constraints: new ConstraintService(backend), distributions: new DistributionStore() };
    previous?.constraints.dispose();
    if (previous && previous.backend !== backend) await previous.backend.dispose().catch(() => undefined);
  }

  private require(): Current {
    if (!this.current) throw new EngineFailure('No model is loaded yet: wait for it to finish loading, or pick one.');
    return this.current;
  }

  private promptIds({ backend, server }: Current, prompt: PromptInput, messages?: Conversation): number[] {
    if (server) return server.promptIds(prompt, messages);
    if ('ids' in prompt) return prompt.ids;
    return backend.tokenizer.encode(prompt.text, { add_special_tokens: prompt.addSpecialTokens });
  }

  private promptTokens(backend: NextTokenBackend, ids: number[]) {
    return { ids, texts: ids.map((id) => backend.tokenizer.decode([id])) };
  }

  /** A run's options: the request's settings, and its constraint compiled for the page or handed to the server. */
  private async runOptions({ constraints }: Current, req: GenerationParams, signal: AbortSignal): Promise<GenerateOptions> {
    const { settings, maxNewTokens, useKvCache, constraint } = req;
    const options: GenerateOptions = { settings, maxNewTokens, useKvCache, signal };
    if (isUnconstrained(constraint)) return options;
    const compiled = await constraints.forRun(constraint);
    return compiled ? { ...options, constraint: compiled } : { ...options, serverConstraint: constraint };
  }

  async generate(req: GenerateRequest, { signal, emit }: HandlerContext): Promise<RunDoneResponse> {
    const current = this.require();
    const { backend, generator } = current;
    const ids = this.promptIds(current, req.prompt, req.messages);
    refuseOverlongPrompt(current, ids.length);
    const options = await this.runOptions(current, req, signal);
    emit({ type: 'run-started', prompt: this.promptTokens(backend, ids), parent: null, useKvCache: req.useKvCache });
    return this.stream(current, generator.generate(ids, options), emit);
  }

  async branch(req: BranchRequest, { signal, emit }: HandlerContext): Promise<RunDoneResponse> {
    const current = this.require();
    const { backend, generator } = current;
    const { promptIds } = generator.sequence(req.fromBranchId);
    const options = await this.runOptions(current, req, signal);
    emit({ type: 'run-started', prompt: this.promptTokens(backend, promptIds), parent: { branchId: req.fromBranchId, stepIndex: req.stepIndex }, useKvCache: req.useKvCache });
    return this.stream(current, generator.continueFrom(req.fromBranchId, req.stepIndex, req.tokenId, options), emit);
  }

  async runMany(req: RunManyRequest, { signal, emit }: HandlerContext): Promise<RunManyResponse> {
    const current = this.require();
    const { backend, generator } = current;
    const ids = this.promptIds(current, req.prompt, req.messages);
    refuseOverlongPrompt(current, ids.length);
    const options = await this.runOptions(current, req, signal);
    const result = await generator.runMany(ids, req.runs, options, (run, tokenIds) =>
      emit({ type: 'run-many-progress', run, runs: req.runs, text: backend.tokenizer.decode(tokenIds) }),
    );
    const tokenTexts: Record<number, string> = {};
    for (const seq of result.sequences) for (const id of seq) tokenTexts[id] ??= backend.tokenizer.decode([id]);
    return { type: 'run-many-done', tree: divergenceTree(result.sequences), texts: result.texts, sequences: result.sequences, tokenTexts };
  }

  /** How the prompt being typed fits the current model's window (a server's window is its own: not measured). */
  async promptFit(req: PromptFitRequest): Promise<PromptFitResponse> {
    const current = this.current;
    if (!current || current.server) return { type: 'prompt-fit', modelId: null, fit: null };
    const { tokenizer, info } = current.backend;
    const counter = { count: (text: string, special: boolean) => tokenizer.encode(text, { add_special_tokens: special }).length };
    return { type: 'prompt-fit', modelId: info.modelId, fit: fitPrompt(counter, req.prompt.text, req.prompt.addSpecialTokens, info.contextWindow, req.maxNewTokens) };
  }

  /** Re-samples a stored step: pure math over kept logits, no model call. */
  async resample(req: ResampleRequest): Promise<ResampleResponse> {
    const { generator, constraints } = this.require();
    const constraint = (await constraints.forRun(req.constraint)) ?? undefined;
    return { type: 'resampled', step: await generator.resample(req.branchId, req.stepIndex, req.settings, constraint) };
  }

  /** Streamed steps' distributions as generated, from the engine's bounded store (null for a step it no longer has). */
  stepDistributions(req: StepDistributionsRequest): StepDistributionsResponse {
    const { distributions } = this.require();
    return { type: 'step-distributions', distributions: req.steps.map((s) => distributions.get(s.branchId, s.stepIndex)) };
  }

  /** Compiles a constraint for the current model (progress as events); an invalid one is answered with its problem. */
  async compileConstraint(req: CompileConstraintRequest, { emit }: HandlerContext): Promise<CompileConstraintResponse> {
    const outcome = await this.require().constraints.compile(req.constraint, (phase) => emit({ type: 'constraint-progress', phase }));
    return outcome.ok ? { type: 'constraint-ready', info: outcome.info } : { type: 'constraint-invalid', problem: outcome.problem };
  }

  /** Streams every step as an event; Stop (the signal) ends the loop at once, and the summary says "stopped". */
  private async stream({ distributions }: Current, steps: AsyncGenerator<StepSnapshot, GenerationSummary>, emit: HandlerContext['emit']): Promise<RunDoneResponse> {
    let next = await steps.next();
    while (!next.done) {
      distributions.put(next.value.branchId, next.value.stepIndex, next.value.distribution);
      emit({ type: 'step', step: next.value });
      next = await steps.next();
    }
    return { type: 'run-done', summary: next.value };
  }
}
