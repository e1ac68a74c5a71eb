/**
 * Worker-side inference: loads models (keeping the previous one usable when a
 * load fails), runs the app's own generation loop and streams its steps as events.
 */
import { env } from '@huggingface/transformers';
import { loadOnnxBackend } from './backends/onnx/backend';
import { PREVIOUS_MODEL_KEPT } from './backends/onnx/loadModel';
import type { NextTokenBackend } from './backends/types';
import { Generator, divergenceTree } from './generation';
import type { GenerationSummary, StepSnapshot } from './generation/types';
import { chooseBackend, type BackendDecision } from './backendChoice';
import type { EngineEvent, GenerateRequest, BranchRequest, LoadModelRequest, PromptInput, ResampleRequest, RunManyRequest } from './protocol';
import { configureTransformers, wasmThreads } from './onnxRuntimeFiles';
import { EMBEDDED_MODELS, rememberModelHost } from './modelFiles';

type Emit = (event: EngineEvent, transfer?: Transferable[]) => void;

interface Current {
  backend: NextTokenBackend;
  generator: Generator;
  decision: BackendDecision;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class InferenceService {
  private current: Current | null = null;
  private readonly aborts = new Map<string, AbortController>();
  /** called when a model (and so its tokenizer) becomes current */
  onModelReady: ((backend: NextTokenBackend) => void) | null = null;

  constructor(private readonly emit: Emit) {
    configureTransformers(env, { browserCache: true });
  }

  /** The current model, behind the one backend interface. */
  get model(): NextTokenBackend | null {
    return this.current?.backend ?? null;
  }

  async load(req: LoadModelRequest): Promise<void> {
    let decision: BackendDecision;
    try {
      decision = await chooseBackend(req.backend, (self.navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu);
    } catch (err) {
      this.emit({ type: 'model-error', requestId: req.requestId, modelId: req.modelId, message: messageOf(err) });
      return;
    }
    // An embedded model comes only from the app's own folder, a Hub model only from the remote host: a static server
    // answers a missing file under the app's folder with its index.html, which would be read as the model's config.
    const embedded = (EMBEDDED_MODELS as readonly string[]).includes(req.modelId);
    env.allowLocalModels = embedded;
    try {
      const backend = await loadOnnxBackend({
        modelId: req.modelId,
        device: decision.backend,
        dtype: req.dtype,
        allowRemoteModels: !embedded,
        remoteHost: req.remoteHost.endsWith('/') ? req.remoteHost : `${req.remoteHost}/`,
        onProgress: (progress) => this.emit({ type: 'model-load', requestId: req.requestId, modelId: req.modelId, progress }),
      });
      rememberModelHost(req.modelId, req.remoteHost);
      const previous = this.current;
      this.current = { backend, generator: new Generator(backend), decision };
      if (previous && previous.backend !== backend) await previous.backend.dispose().catch(() => undefined);
      this.onModelReady?.(backend);
      this.emit({
        type: 'model-ready',
        requestId: req.requestId,
        info: backend.info,
        backend: decision.backend,
        backendReason: decision.reason,
        threads: decision.backend === 'wasm' ? wasmThreads() : 0,
      });
    } catch (err) {
      const message = this.current ? messageOf(err) : messageOf(err).replace(` ${PREVIOUS_MODEL_KEPT}`, '');
      this.emit({ type: 'model-error', requestId: req.requestId, modelId: req.modelId, message });
    }
  }

  private require(): Current {
    if (!this.current) throw new Error('No model is loaded yet: wait for it to finish loading, or pick one.');
    return this.current;
  }

  private promptIds(backend: NextTokenBackend, prompt: PromptInput): number[] {
    if ('ids' in prompt) return prompt.ids;
    return backend.tokenizer.encode(prompt.text, { add_special_tokens: prompt.addSpecialTokens });
  }

  private promptTokens(backend: NextTokenBackend, ids: number[]) {
    return { ids, texts: ids.map((id) => backend.tokenizer.decode([id])) };
  }

  async generate(req: GenerateRequest): Promise<void> {
    await this.guard(req.runId, async (signal) => {
      const { backend, generator } = this.require();
      const ids = this.promptIds(backend, req.prompt);
      this.emit({ type: 'run-started', runId: req.runId, prompt: this.promptTokens(backend, ids), parent: null, useKvCache: req.useKvCache });
      await this.stream(req.runId, generator.generate(ids, { ...req, signal }));
    });
  }

  async branch(req: BranchRequest): Promise<void> {
    await this.guard(req.runId, async (signal) => {
      const { backend, generator } = this.require();
      const { promptIds } = generator.sequence(req.fromBranchId);
      this.emit({
        type: 'run-started',
        runId: req.runId,
        prompt: this.promptTokens(backend, promptIds),
        parent: { branchId: req.fromBranchId, stepIndex: req.stepIndex },
        useKvCache: req.useKvCache,
      });
      await this.stream(req.runId, generator.continueFrom(req.fromBranchId, req.stepIndex, req.tokenId, { ...req, signal }));
    });
  }

  async runMany(req: RunManyRequest): Promise<void> {
    await this.guard(req.runId, async (signal) => {
      const { backend, generator } = this.require();
      const ids = this.promptIds(backend, req.prompt);
      const result = await generator.runMany(ids, req.runs, { ...req, signal }, (run, tokenIds) =>
        this.emit({ type: 'run-many-progress', runId: req.runId, run, runs: req.runs, text: backend.tokenizer.decode(tokenIds) }),
      );
      const tokenTexts: Record<number, string> = {};
      for (const seq of result.sequences) for (const id of seq) tokenTexts[id] ??= backend.tokenizer.decode([id]);
      this.emit({ type: 'run-many-done', runId: req.runId, tree: divergenceTree(result.sequences), texts: result.texts, sequences: result.sequences, tokenTexts });
    });
  }

  /** Re-samples a stored step: pure math over kept logits, no model call. */
  resample(req: ResampleRequest): void {
    try {
      const step = this.require().generator.resample(req.branchId, req.stepIndex, req.settings);
      this.emit({ type: 'resampled', requestId: req.requestId, step });
    } catch (err) {
      this.emit({ type: 'error', requestId: req.requestId, scope: 'inference', message: messageOf(err), recoverable: true });
    }
  }

  /** Stops at once: the loop yields nothing after its signal is aborted. */
  stop(runId: string): void {
    this.aborts.get(runId)?.abort();
  }

  private async stream(runId: string, steps: AsyncGenerator<StepSnapshot, GenerationSummary>): Promise<void> {
    let next = await steps.next();
    while (!next.done) {
      this.emit({ type: 'step', runId, step: next.value });
      next = await steps.next();
    }
    this.emit({ type: 'run-done', runId, summary: next.value });
  }

  private async guard(runId: string, body: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const abort = new AbortController();
    this.aborts.set(runId, abort);
    try {
      await body(abort.signal);
    } catch (err) {
      this.emit({ type: 'error', runId, scope: 'inference', message: messageOf(err), recoverable: true });
    } finally {
      this.aborts.delete(runId);
    }
  }
}
