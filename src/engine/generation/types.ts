/**
 * Engine-level types shared with the worker protocol. Plain data only: everything here can be posted from the
 * worker (typed arrays go in the transfer list).
 */
export type { Candidate, DrawPosition, FilterCutoffs, SamplingSettings } from '../sampling/types';
import type { Candidate, DrawPosition, FilterCutoffs } from '../sampling/types';
import type { ServerBackendInfo } from '../backends/server/types';

/** Where the model runs. 'cpu' is onnxruntime-node (Node and tests); the browser uses 'webgpu' or 'wasm'; 'server' is
 * a model behind HTTP (backends/server). */
export type EngineDevice = 'webgpu' | 'wasm' | 'cpu' | 'server';

/** Loading progress: bytes per file while downloading, then a compile phase (ONNX session creation). */
export type LoadProgress =
  | {
      phase: 'download';
      /** The file whose bytes just arrived, e.g. "onnx/model.onnx". */
      file: string;
      loadedBytes: number;
      totalBytes: number;
      /** Every file seen so far, with its bytes loaded / total (0 when the server did not say). */
      files: Record<string, { loadedBytes: number; totalBytes: number }>;
    }
  | { phase: 'compile'; file: string }
  | { phase: 'ready'; ms: number };

/** What the UI needs to know about a loaded model. */
export interface ModelInfo {
  modelId: string;
  device: EngineDevice;
  dtype: string;
  /** config.model_type, e.g. "llama". */
  architecture: string;
  /** Of a server: the ids its token table has handed out so far (it grows; see backends/server/vocabulary.ts). */
  vocabSize: number;
  /** Positions the model can attend to (config.max_position_embeddings, else the tokenizer's model_max_length). Of a
   * server: its window where it says (`server.contextWindow`), else Number.MAX_SAFE_INTEGER (the server ends a run
   * whose context is full). */
  contextWindow: number;
  eosTokenIds: number[];
  bosTokenId: number | null;
  numLayers: number;
  /** Present when the model runs on a server: where, which API, what its distributions and ids mean. */
  server?: ServerBackendInfo;
}

/**
 * What a backend's next-token distribution covers: 'full' = a logit for every vocabulary entry; 'partial' = the
 * log-probabilities of the top N tokens only (a server's `top_logprobs`), sampled renormalised over those N.
 */
export type Vocabulary = 'full' | 'partial';

/** One row of a step's candidate list: a sampling Candidate plus the token's text. */
export interface CandidateSnapshot extends Candidate {
  text: string;
  /** The model's own token id, where a server reported it (a server backend's `id` is its own numbering). */
  modelTokenId?: number;
}

/**
 * A step's distribution under some sampling settings, as the panels draw it: the same shape for a step as generated
 * and for a step re-sampled with other settings.
 */
export interface StepDistribution {
  /** 'partial': only the backend's top N tokens are known; every probability here is renormalised over them. */
  vocabulary: Vocabulary;
  /** Probability (under the model, T = 1) of the tokens the backend did not report; 0 for a full vocabulary. */
  otherMass: number;
  /** The best candidates (at least 20, or every known token of a partial vocabulary if fewer) under the settings,
   * ranked by logit after penalty/temperature. */
  candidates: CandidateSnapshot[];
  /** The token the draw chooses (for a generated step: the token taken, also when the user forced it). */
  chosenId: number;
  /** Its probability in the final distribution. */
  chosenProb: number;
  /** Entropy (bits) of the final distribution. */
  entropyBits: number;
  draw: DrawPosition;
  cutoffs: FilterCutoffs;
  /** Tokens that survive the filters (of a partial vocabulary: known tokens only). */
  keptCount: number;
  /** The grammar's mask stage, when the step was constrained in the page (see sampling/types.ts MaskStage). */
  mask: StepMask | null;
}

/** What the grammar's mask did at a step. */
export interface StepMask {
  allowedCount: number;
  removed: number;
  /** The model's own probability (T = 1) of the tokens the grammar forbade: 1 − Σ softmax(raw) over the allowed. */
  removedMass: number;
}

/**
 * One step of generation as the UI sees it. Step 0 is predicted by the prefill pass over the whole prompt; step
 * i > 0 by a decode pass over the single token chosen at step i − 1 (with the KV cache).
 */
export interface StepSnapshot {
  stepIndex: number;
  /** 'prefill' for step 0 — and for the first step of a branch, which recomputes its prefix. */
  phase: 'prefill' | 'decode';
  /** Tokens fed to the model in this step's forward pass. */
  inputTokens: number;
  /** Length of the context after this step's token was appended (prompt + generated). */
  contextLength: number;
  chosen: {
    id: number;
    /** The text this token adds to the output (decoded in context, so multi-byte characters come out whole). */
    text: string;
    /** Its probability under the settings used (the final distribution). */
    prob: number;
    /** True when the user picked the token ("pick this token instead") instead of the draw. */
    forced: boolean;
    /** True when the backend (a server) picked the token itself; the draw shown is the local re-sampling. */
    byBackend: boolean;
    /** The model's own token id, where a server reported it. */
    modelTokenId?: number;
  };
  /** The distribution the token was drawn from, under the settings used. */
  distribution: StepDistribution;
  /** Entropy (bits) of the model's own distribution (softmax of raw logits, T = 1; of a partial vocabulary: over
   * the known tokens, renormalised). */
  modelEntropyBits: number;
  /** Wall time of the step: forward pass + reading logits + sampling + building the snapshot. */
  ms: number;
  /** Of which the model's forward pass (including reading the logits back). */
  forwardMs: number;
  /** Of which computing the grammar's token bitmask (0 unconstrained). */
  maskMs: number;
  /** Identifies the sequence this step belongs to, for re-sampling from stored logits. */
  branchId: string;
  /** RNG stream of the draw (see sampling/rng.ts). */
  stream: number;
}

/**
 * 'interrupted': a server's stream broke off; the tokens received stand, and the summary's `message` says why.
 * 'constraint-incomplete': max new tokens or the window ran out before the grammar's document was complete.
 * 'constraint-dead-end': the grammar allowed no token of the vocabulary.
 */
export type DoneReason = 'eos' | 'max-tokens' | 'stopped' | 'context-full' | 'interrupted' | 'constraint-incomplete' | 'constraint-dead-end';

/** Returned (not yielded) by a generation when it ends. No step follows it. */
export interface GenerationSummary {
  reason: DoneReason;
  branchId: string;
  promptIds: number[];
  /** Generated token ids (including a final EOS token if that is how it ended). */
  tokenIds: number[];
  text: string;
  /** Time to first token: the prefill step's ms. */
  ttftMs: number;
  /** Decode steps per second (excluding the prefill step); 0 if there were none. */
  decodeTokensPerSecond: number;
  stepMs: number[];
  useKvCache: boolean;
  /** Why the run ended early, for the user (set when it was 'interrupted'). */
  message?: string;
}

/** A step re-sampled from stored logits with new settings (no model call). */
export interface ResampledStep {
  branchId: string;
  stepIndex: number;
  distribution: StepDistribution;
  /** the text of the token the draw chooses under the new settings */
  chosenText: string;
  ms: number;
}

/**
 * The outputs of "run N times" as a prefix tree. Each node is a stretch of tokens shared by the same set of runs;
 * a node with several children is where the runs diverge.
 */
export interface DivergenceNode {
  /** Generated-token index of the node's first token. */
  startStep: number;
  tokenIds: number[];
  /** Indices (into the input sequences) of the runs that pass through this node. */
  runs: number[];
  children: DivergenceNode[];
}

/** Whether a prompt fits the model's context window (generation/promptFit.ts). */
export interface PromptFit {
  /** the prompt's tokens */
  tokens: number;
  contextWindow: number;
  /** null when the prompt leaves room for at least one new token; else where its end that fits begins (a character
   * offset) and that end's tokens (room is left for the new tokens asked for) */
  keep: { from: number; tokens: number } | null;
}
