/**
 * The app's own autoregressive loop over a NextTokenBackend (backends/types.ts). The backend's sequence answers
 * each step's next-token distribution: with the local model, the first step is a prefill pass over the whole
 * prompt and later ones feed only the newest token with the KV cache (or, with `useKvCache: false`, recompute the
 * whole sequence every step — the slow path the timings panel compares against).
 *
 * Every step is sampled by the pure sampling pipeline and yielded as a StepSnapshot; its logits go to a bounded
 * LogitsStore so the UI can re-sample it later without the model. A 'partial' distribution (the top N
 * log-probabilities of a server) becomes a vocabulary-sized logits vector with −∞ for every unknown token, so the
 * same pipeline re-samples it renormalised over the known N; a token the backend picked itself is taken as it is.
 * A backend may end a sequence itself (a server's stream finished, or broke off): the run ends with that reason
 * ('eos', 'context-full', 'interrupted' with a message), the steps so far kept.
 * Branches ("pick this token instead") rewind to a step, force a token and continue; the prefix is recomputed
 * with one prefill pass.
 *
 * With a grammar constraint (grammar-constrained decoding), a matcher gives each step's token bitmask, which the
 * pipeline applies as its mask stage, and advances with the token taken. A run whose grammar allows no token stops
 * ('constraint-dead-end'); one that reaches max new tokens or the window before its document is complete says so
 * ('constraint-incomplete').
 */
import type { NextTokenBackend, NextTokenScores, SequenceEnd, SequenceStep } from '../backends/types';
import { countAllowed, isTokenAllowed } from '../grammar/bitmask';
import type { ConstraintSpec } from '../grammar/types';
import { samplingPipeline, topCandidates } from '../sampling/pipeline';
import { drawUniform } from '../sampling/rng';
import { argmax } from '../sampling/stages';
import { REMOVAL_NONE, type Candidate, type SamplingSettings, type SamplingTrace } from '../sampling/types';
import { nextTurn } from '../nextTurn';
import { LogitsStore, type StoredStep } from './logitsStore';
import type { CandidateSnapshot, DoneReason, GenerationSummary, ResampledStep, StepDistribution, StepSnapshot } from './types';

/** Candidates per step unless asked otherwise (the UI needs at least 20). */
const DEFAULT_TOP_N = 32;

export interface GenerateOptions {
  settings: SamplingSettings;
  /** The generated sequence (counting any inherited prefix of a branch) stops at this many tokens. */
  maxNewTokens: number;
  /** false: recompute the whole sequence every step instead of feeding one token with the KV cache. */
  useKvCache?: boolean;
  /** Stops the loop: no step is yielded once it is aborted (a forward pass in flight is discarded). */
  signal?: AbortSignal;
  /** RNG stream (see sampling/rng.ts); 0 for a normal run. */
  stream?: number;
  /** Candidates per step, at least 20. */
  topN?: number;
  /** Stop when an end-of-sequence token is chosen (default true). */
  stopOnEos?: boolean;
  /** A grammar the generated tokens must follow (masked in the page; a full vocabulary only). */
  constraint?: GrammarConstraint;
  /** A constraint the backend (a server) enforces itself, as its structured-output option. */
  serverConstraint?: ConstraintSpec;
}

/** A grammar's state over a sequence: the allowed next tokens, advanced token by token (XGrammar's matcher). */
export interface GrammarMatcherLike {
  /** Bit (id & 31) of word (id >> 5) set = token id is allowed next. */
  nextBitmask(): Promise<Int32Array>;
  /** Advances with a token; false (and no change) when the grammar forbids it. */
  accept(id: number): boolean;
  /** True once a stop token completed the document. */
  isTerminated(): boolean;
  dispose(): void;
}

/** A compiled grammar (grammar/compile.ts's CompiledConstraint is one). */
export interface GrammarConstraint {
  createMatcher(): Promise<GrammarMatcherLike>;
}

interface Branch {
  id: string;
  promptIds: number[];
  /** Generated tokens, including those inherited from the parent branch. */
  tokenIds: number[];
  parent: { branchId: string; stepIndex: number } | null;
  stream: number;
}

/**
 * A step's scores as the sampling pipeline takes them: a vocabulary-sized logits vector (of a partial distribution:
 * the known log-probabilities, −∞ elsewhere), with what the snapshot reports about it.
 */
function stepLogits(scores: NextTokenScores, vocabSize: number): Omit<StoredStep, 'stream'> & { chosenId?: number } {
  if (scores.vocabulary === 'full') return { logits: scores.logits, vocabulary: 'full', otherMass: 0 };
  if (scores.top.length === 0) throw new Error('The backend reported no tokens for this step.');
  const logits = new Float32Array(vocabSize).fill(-Infinity);
  for (const { id, logprob } of scores.top) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new Error(`The backend reported token id ${id}, outside the model's vocabulary (0–${vocabSize - 1}): its tokenizer does not match.`);
    }
    logits[id] = logprob;
  }
  return { logits, vocabulary: 'partial', otherMass: scores.otherMass, chosenId: scores.chosenId };
}

/** Serialises runs: a model's session must not run two passes at once. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => next);
    await previous;
    return release;
  }
}

export interface RunManyResult {
  /** Generated token ids of each run; run r drew from RNG stream r. */
  sequences: number[][];
  texts: string[];
  reasons: DoneReason[];
}

export class Generator {
  readonly backend: NextTokenBackend;
  readonly store: LogitsStore;
  private readonly branches = new Map<string, Branch>();
  private readonly tokenTexts = new Map<number, string>();
  private readonly mutex = new Mutex();
  private nextBranch = 0;

  constructor(backend: NextTokenBackend, store: LogitsStore = new LogitsStore()) {
    this.backend = backend;
    this.store = store;
  }

  /** Generate from a prompt (token ids). Yields one snapshot per step; returns the summary. */
  generate(promptIds: number[], options: GenerateOptions): AsyncGenerator<StepSnapshot, GenerationSummary> {
    if (promptIds.length === 0) throw new Error('The prompt is empty: type some text (or start from a BOS token).');
    const branch = this.newBranch(promptIds, [], null, options.stream ?? 0);
    return this.run(branch, 0, null, options);
  }

  /**
   * Rewind `branchId` to step `stepIndex`, take `forcedTokenId` there instead of what was drawn, and continue
   * generating. A new branch is created; the old one (and its stored logits) stays available.
   */
  continueFrom(
    branchId: string,
    stepIndex: number,
    forcedTokenId: number,
    options: GenerateOptions,
  ): AsyncGenerator<StepSnapshot, GenerationSummary> {
    const parent = this.getBranch(branchId);
    if (stepIndex < 0 || stepIndex > parent.tokenIds.length) {
      throw new Error(`Step ${stepIndex} does not exist in this generation (it has ${parent.tokenIds.length} steps).`);
    }
    if (!Number.isInteger(forcedTokenId) || forcedTokenId < 0 || forcedTokenId >= this.backend.info.vocabSize) {
      throw new Error(`Token id ${forcedTokenId} is outside the vocabulary (0–${this.backend.info.vocabSize - 1}).`);
    }
    const branch = this.newBranch(
      parent.promptIds,
      parent.tokenIds.slice(0, stepIndex),
      { branchId, stepIndex },
      options.stream ?? parent.stream,
    );
    return this.run(branch, stepIndex, forcedTokenId, options);
  }

  /**
   * Re-sample a stored step with other settings, without running the model. With a constraint, its matcher is walked
   * over the tokens before the step and the step's logits are masked with its bitmask there.
   */
  async resample(
    branchId: string,
    stepIndex: number,
    settings: SamplingSettings,
    constraint?: GrammarConstraint,
    topN = DEFAULT_TOP_N,
  ): Promise<ResampledStep> {
    const start = performance.now();
    const { branch, stored } = this.findStored(branchId, stepIndex);
    const generated = branch.tokenIds.slice(0, stepIndex);
    const context = [...branch.promptIds, ...generated];
    let allowed: Int32Array | undefined;
    if (constraint) {
      const matcher = await this.matcherAfter(constraint, generated);
      try {
        allowed = await matcher.nextBitmask();
      } finally {
        matcher.dispose();
      }
      if (countAllowed(allowed, stored.logits.length) === 0) {
        throw new Error(`The constraint allows no token at step ${stepIndex}: the text before it cannot be completed.`);
      }
    }
    const trace = samplingPipeline(stored.logits, settings, drawUniform(settings.seed, stepIndex, stored.stream), context, allowed);
    return {
      branchId,
      stepIndex,
      distribution: this.distribution(trace, stored, trace.chosenId, topN),
      chosenText: this.tokenText(trace.chosenId),
      ms: performance.now() - start,
    };
  }

  /** The stored logits of a step (for tests and charts), or undefined once evicted. */
  storedLogits(branchId: string, stepIndex: number): Float32Array | undefined {
    try {
      return this.findStored(branchId, stepIndex).stored.logits;
    } catch {
      return undefined;
    }
  }

  /** Prompt and generated ids of a branch. */
  sequence(branchId: string): { promptIds: number[]; tokenIds: number[] } {
    const b = this.getBranch(branchId);
    return { promptIds: [...b.promptIds], tokenIds: [...b.tokenIds] };
  }

  /**
   * "Run N times": generate `runs` times with the same settings; run r draws from RNG stream r (so run 0 equals a
   * normal generation with the same seed, and at temperature 0 all runs coincide). Logits are not stored.
   */
  async runMany(
    promptIds: number[],
    runs: number,
    options: GenerateOptions,
    onRun?: (run: number, tokenIds: number[]) => void,
  ): Promise<RunManyResult> {
    const result: RunManyResult = { sequences: [], texts: [], reasons: [] };
    for (let r = 0; r < runs; r++) {
      if (options.signal?.aborted) break;
      const branch = this.newBranch(promptIds, [], null, r);
      const it = this.run(branch, 0, null, { ...options, stream: r, topN: 0 }, false);
      let next = await it.next();
      while (!next.done) next = await it.next();
      const summary = next.value;
      this.branches.delete(branch.id);
      result.sequences.push(summary.tokenIds);
      result.texts.push(summary.text);
      result.reasons.push(summary.reason);
      onRun?.(r, summary.tokenIds);
    }
    return result;
  }

  private newBranch(promptIds: number[], tokenIds: number[], parent: Branch['parent'], stream: number): Branch {
    const branch: Branch = { id: `b${this.nextBranch++}`, promptIds: [...promptIds], tokenIds: [...tokenIds], parent, stream };
    this.branches.set(branch.id, branch);
    return branch;
  }

  private getBranch(branchId: string): Branch {
    const branch = this.branches.get(branchId);
    if (!branch) throw new Error(`Unknown generation "${branchId}" (was the model reloaded?).`);
    return branch;
  }

  /** Steps before a branch point live in the parent branch's entries. */
  private findStored(branchId: string, stepIndex: number) {
    const branch = this.getBranch(branchId);
    let owner: Branch | undefined = branch;
    while (owner) {
      const stored = this.store.get(owner.id, stepIndex);
      if (stored) return { branch, stored };
      owner = owner.parent && stepIndex < owner.parent.stepIndex ? this.branches.get(owner.parent.branchId) : undefined;
    }
    throw new Error(
      `The logits of step ${stepIndex} are no longer kept (only the last ${this.store.maxSteps} steps are). Generate again to re-sample it.`,
    );
  }

  /** A fresh matcher advanced over `tokens`; refuses when one of them already breaks the grammar. */
  private async matcherAfter(constraint: GrammarConstraint, tokens: number[]): Promise<GrammarMatcherLike> {
    const matcher = await constraint.createMatcher();
    for (let i = 0; i < tokens.length; i++) {
      if (!matcher.accept(tokens[i])) {
        matcher.dispose();
        throw new Error(
          `The constraint does not allow the generated text at step ${i} ("${this.tokenText(tokens[i])}"): it cannot apply from there. Generate again with it.`,
        );
      }
    }
    return matcher;
  }

  /** Whether the text so far is a complete document of the grammar (a stop token is allowed next, or was taken). */
  private async constraintComplete(matcher: GrammarMatcherLike): Promise<boolean> {
    if (matcher.isTerminated()) return true;
    const bitmask = await matcher.nextBitmask();
    return this.backend.info.eosTokenIds.some((id) => isTokenAllowed(bitmask, id));
  }

  private tokenText(id: number): string {
    let text = this.tokenTexts.get(id);
    if (text === undefined) {
      text = this.backend.tokenizer.decode([id], { skip_special_tokens: false });
      this.tokenTexts.set(id, text);
    }
    return text;
  }

  /** `{ modelTokenId }` where the backend numbers tokens itself and knows the model's id (a server), else nothing. */
  private modelTokenId(id: number): { modelTokenId?: number } {
    const modelTokenId = this.backend.tokenizer.modelTokenId?.(id);
    return modelTokenId === undefined ? {} : { modelTokenId };
  }

  /** The text a token adds after `context`, decoded with a few tokens of context so multi-byte characters join up. */
  private textInContext(context: number[], id: number): string {
    const window = context.slice(-6);
    const before = this.backend.tokenizer.decode(window, { skip_special_tokens: false });
    const after = this.backend.tokenizer.decode([...window, id], { skip_special_tokens: false });
    let common = 0;
    while (common < before.length && before[common] === after[common]) common++;
    return after.slice(common);
  }

  /** Spelled out rather than spread: this runs for every listed candidate of every step (a third of the cost). */
  private candidateSnapshot(c: Candidate): CandidateSnapshot {
    const { id } = c;
    const snapshot: CandidateSnapshot = {
      id,
      logit: c.logit,
      scaledLogit: c.scaledLogit,
      prob: c.prob,
      probBeforeFilters: c.probBeforeFilters,
      rawProb: c.rawProb,
      removedBy: c.removedBy,
      text: this.tokenText(id),
    };
    return Object.assign(snapshot, this.modelTokenId(id));
  }

  /** Of a partial vocabulary, only known tokens (finite logit) are listed and counted as kept. */
  private distribution(
    trace: SamplingTrace,
    { vocabulary, otherMass }: Pick<StoredStep, 'vocabulary' | 'otherMass'>,
    chosenId: number,
    topN: number,
  ): StepDistribution {
    const partial = vocabulary === 'partial';
    let candidates = topCandidates(trace, Math.max(20, topN));
    let keptCount = trace.keptCount;
    if (partial) {
      candidates = candidates.filter((c) => c.logit > -Infinity);
      keptCount = 0;
      for (let i = 0; i < trace.vocabSize; i++) if (trace.raw[i] > -Infinity && trace.removedBy[i] === REMOVAL_NONE) keptCount++;
    }
    return {
      vocabulary,
      otherMass,
      candidates: candidates.map((c) => this.candidateSnapshot(c)),
      chosenId,
      chosenProb: trace.final[chosenId],
      entropyBits: trace.finalEntropyBits,
      draw: trace.draw,
      cutoffs: trace.cutoffs,
      keptCount,
      mask: trace.mask && { allowedCount: trace.mask.allowedCount, removed: trace.mask.removed, removedMass: trace.mask.removedMass },
    };
  }

  private async *run(
    branch: Branch,
    startStep: number,
    forcedFirst: number | null,
    options: GenerateOptions,
    storeLogits = true,
  ): AsyncGenerator<StepSnapshot, GenerationSummary> {
    const release = await this.mutex.acquire();
    const { settings, maxNewTokens, signal } = options;
    const useKvCache = options.useKvCache ?? true;
    const topN = options.topN ?? DEFAULT_TOP_N;
    const stopOnEos = options.stopOnEos ?? true;
    const { eosTokenIds, contextWindow } = this.backend.info;
    const context = [...branch.promptIds, ...branch.tokenIds];
    const stepMs: number[] = [];
    let reason: DoneReason = 'max-tokens';
    let message: string | undefined;
    // Stop must be immediate even while a forward pass (or a request) runs: the sequence's `next` rejects at once
    // when the signal aborts, and its `dispose` waits for the abandoned work before the next run may start. A server
    // generates on its side with the same settings, up to the tokens this branch may still add.
    const sequence = this.backend.openSequence({
      useKvCache,
      settings,
      maxNewTokens: maxNewTokens - branch.tokenIds.length,
      stream: branch.stream,
      ...(options.serverConstraint && { constraint: options.serverConstraint }),
    });
    let matcher: GrammarMatcherLike | null = null;
    try {
      if (options.constraint) matcher = await this.matcherAfter(options.constraint, branch.tokenIds);
      for (let step = startStep; ; step++) {
        if (step > startStep) await nextTurn();
        if (signal?.aborted) {
          reason = 'stopped';
          break;
        }
        if (branch.tokenIds.length >= maxNewTokens) {
          reason = 'max-tokens';
          break;
        }
        if (context.length >= contextWindow) {
          reason = 'context-full';
          break;
        }
        const t0 = performance.now();
        let answer: SequenceStep | SequenceEnd;
        try {
          answer = await sequence.next(context, signal);
        } catch (err) {
          if (!signal?.aborted) throw err;
          reason = 'stopped';
          break;
        }
        const forwardMs = performance.now() - t0;
        if (signal?.aborted) {
          reason = 'stopped';
          break;
        }
        if ('end' in answer) {
          // the backend ended the sequence (a server's stream finished or broke off): the steps so far stand
          reason = answer.end;
          message = answer.message;
          break;
        }

        // read per step: a server's token table grows as the run meets new tokens
        const scores = stepLogits(answer.scores, this.backend.info.vocabSize);
        const forced = step === startStep && forcedFirst !== null;
        let allowed: Int32Array | undefined;
        let maskMs = 0;
        if (matcher) {
          const m0 = performance.now();
          allowed = await matcher.nextBitmask();
          maskMs = performance.now() - m0;
          if (countAllowed(allowed, scores.logits.length) === 0) {
            reason = 'constraint-dead-end';
            message = `No token of the vocabulary can continue the constraint after ${branch.tokenIds.length} generated tokens: the run stopped there.`;
            break;
          }
          if (forced && !isTokenAllowed(allowed, forcedFirst as number)) {
            throw new Error(`The constraint forbids "${this.tokenText(forcedFirst as number)}" here: pick an allowed token.`);
          }
        }
        const trace = samplingPipeline(scores.logits, settings, drawUniform(settings.seed, step, branch.stream), context, allowed);
        const byBackend = !forced && scores.chosenId !== undefined;
        const chosenId = forced ? (forcedFirst as number) : (scores.chosenId ?? trace.chosenId);
        const stored: StoredStep = { logits: scores.logits, stream: branch.stream, vocabulary: scores.vocabulary, otherMass: scores.otherMass };
        if (storeLogits) this.store.put(branch.id, step, stored);
        const text = topN > 0 ? this.textInContext(context, chosenId) : '';
        const snapshot: StepSnapshot | null =
          topN > 0
            ? {
                stepIndex: step,
                phase: step === startStep ? 'prefill' : 'decode',
                inputTokens: answer.inputTokens,
                contextLength: context.length + 1,
                chosen: { id: chosenId, text, prob: trace.final[chosenId], forced, byBackend, ...this.modelTokenId(chosenId) },
                distribution: this.distribution(trace, stored, chosenId, topN),
                modelEntropyBits: trace.rawEntropyBits,
                ms: 0,
                forwardMs,
                maskMs,
                branchId: branch.id,
                stream: branch.stream,
              }
            : null;
        if (matcher && !matcher.accept(chosenId)) {
          throw new Error(`The constraint refused the token taken at step ${step} ("${this.tokenText(chosenId)}").`);
        }
        context.push(chosenId);
        branch.tokenIds.push(chosenId);
        const ms = performance.now() - t0;
        stepMs.push(ms);
        if (snapshot) {
          snapshot.ms = ms;
          yield snapshot;
        }
        if (signal?.aborted) {
          reason = 'stopped';
          break;
        }
        if (stopOnEos && eosTokenIds.includes(chosenId)) {
          reason = 'eos';
          break;
        }
      }
      if (matcher && (reason === 'max-tokens' || reason === 'context-full') && !(await this.constraintComplete(matcher))) {
        const limit = reason === 'max-tokens' ? `${maxNewTokens} new tokens` : `the context window (${contextWindow} tokens)`;
        message = `The constraint could not complete within ${limit}: the output is not a whole document. Raise max new tokens or simplify the constraint.`;
        reason = 'constraint-incomplete';
      }
    } finally {
      matcher?.dispose();
      const closed = sequence.dispose().catch(() => undefined).then(release);
      // Stopped: return now; the sequence frees itself (and the backend) once an abandoned pass has finished.
      if (!signal?.aborted) await closed;
    }
    return { ...this.summary(branch, reason, stepMs, useKvCache), ...(message !== undefined && { message }) };
  }

  private summary(branch: Branch, reason: DoneReason, stepMs: number[], useKvCache: boolean): GenerationSummary {
    const decodeMs = stepMs.slice(1).reduce((a, b) => a + b, 0);
    return {
      reason,
      branchId: branch.id,
      promptIds: [...branch.promptIds],
      tokenIds: [...branch.tokenIds],
      text: branch.tokenIds.length > 0 ? this.backend.tokenizer.decode(branch.tokenIds, { skip_special_tokens: true }) : '',
      ttftMs: stepMs[0] ?? 0,
      decodeTokensPerSecond: decodeMs > 0 ? ((stepMs.length - 1) * 1000) / decodeMs : 0,
      stepMs,
      useKvCache,
    };
  }
}

/**
 * The bare loop for the benchmark: same prefill + KV-cache decode, greedy, with no per-step distribution work
 * (no softmax, candidates, text or storage) — the difference to `Generator` is the cost of making it visible.
 */
export async function bareGreedyDecode(
  backend: NextTokenBackend,
  inputIds: number[],
  n: number,
): Promise<{ tokenIds: number[]; prefillMs: number; decodeMs: number; decodeTokensPerSecond: number }> {
  const context = [...inputIds];
  const tokenIds: number[] = [];
  let prefillMs = 0;
  const sequence = backend.openSequence({ useKvCache: true });
  const t0 = performance.now();
  try {
    for (let i = 0; i < n && context.length < backend.info.contextWindow; i++) {
      const answer = await sequence.next(context);
      if ('end' in answer) break;
      const { logits, chosenId } = stepLogits(answer.scores, backend.info.vocabSize);
      const id = chosenId ?? argmax(logits);
      context.push(id);
      tokenIds.push(id);
      if (i === 0) prefillMs = performance.now() - t0;
    }
  } finally {
    await sequence.dispose();
  }
  const decodeMs = performance.now() - t0 - prefillMs;
  return {
    tokenIds,
    prefillMs,
    decodeMs,
    decodeTokensPerSecond: tokenIds.length > 1 && decodeMs > 0 ? ((tokenIds.length - 1) * 1000) / decodeMs : 0,
  };
}
