/**
 * The one typed contract between the UI thread and the engine worker.
 * Requests flow UI → worker; events flow worker → UI. Big arrays cross as
 * transferable typed arrays, never as JSON arrays of numbers.
 */

import type {
  DivergenceNode,
  GenerationSummary,
  LoadProgress,
  ModelInfo,
  ResampledStep,
  SamplingSettings,
  StepDistribution,
  StepSnapshot,
} from './generation/types';
import type { ChatAnalysis, ChatAnalyseInput } from './chat/analyse';
import type { Conversation } from './chat/types';
import type { AnalysisProgress, AnalysisResult } from './analyse/types';

export type TokenizerChoice = string; // a BuiltinTokenizerId or a loaded model's id

// ---------------------------------------------------------------- tokenizer

/** Replaces `deleteCount` UTF-16 units at `start` with `insert`. */
export interface TextEdit {
  start: number;
  deleteCount: number;
  insert: string;
}

/**
 * The lab's text as a whole, or as an edit of the text of an earlier request: after a keystroke in a
 * megabyte of text only the keystroke crosses to the worker, which keeps the lab's text.
 */
export type TextChange = { text: string } | { baseRequestId: number; edit: TextEdit };

export interface TokenizeRequest {
  type: 'tokenize';
  requestId: number;
  tokenizerId: TokenizerChoice;
  change: TextChange;
  specialTokens: boolean;
}

export interface CompareRequest {
  type: 'compare';
  requestId: number;
  text: string;
  specialTokens: boolean;
  tokenizerIds: TokenizerChoice[];
  /** only boundaries inside the first `previewChars` characters are returned (the split preview) */
  previewChars: number;
}

/** Result of tokenizing one text. All arrays are per token unless noted. */
export interface TokenizedPayload {
  ids: Uint32Array;
  /** 2 per token: [start, end) UTF-16 offsets into the text */
  offsets: Uint32Array;
  /** cumulative end of each token's bytes inside `bytes` */
  byteEnds: Uint32Array;
  /** every token's decoded bytes, concatenated */
  bytes: Uint8Array;
  /** 1 where the token is a special token */
  special: Uint8Array;
}

export type TokenizerLoadPhase = 'download' | 'parse' | 'ready';

export interface CompareRow {
  tokenizerId: TokenizerChoice;
  count: number;
  ms: number;
  /** UTF-16 start offsets of the tokens that start inside the preview */
  previewStarts: Uint32Array;
  error?: string;
}

// ---------------------------------------------------------------- inference

export type { DivergenceNode, GenerationSummary, LoadProgress, ModelInfo, ResampledStep, SamplingSettings, StepDistribution, StepSnapshot };

/** 'auto' takes WebGPU when the browser offers an adapter, WASM otherwise. */
export type BackendChoice = 'auto' | 'webgpu' | 'wasm';
export type Backend = 'webgpu' | 'wasm';

export interface LoadModelRequest {
  type: 'load-model';
  requestId: number;
  modelId: string;
  backend: BackendChoice;
  /** host serving Hub-layout model folders (`<host>/<id>/resolve/main/<file>`) */
  remoteHost: string;
  dtype?: string;
}

/** A prompt as text (tokenized by the model's tokenizer) or as ready token IDs. */
export type PromptInput = { text: string; addSpecialTokens: boolean } | { ids: number[] };

export interface GenerationParams {
  settings: SamplingSettings;
  maxNewTokens: number;
  useKvCache: boolean;
}

export interface GenerateRequest extends GenerationParams {
  type: 'generate';
  runId: string;
  prompt: PromptInput;
}

export interface BranchRequest extends GenerationParams {
  type: 'branch';
  runId: string;
  fromBranchId: string;
  stepIndex: number;
  tokenId: number;
}

export interface RunManyRequest extends GenerationParams {
  type: 'run-many';
  runId: string;
  prompt: PromptInput;
  runs: number;
}

export interface StopRequest {
  type: 'stop';
  runId: string;
}

export interface ResampleRequest {
  type: 'resample';
  requestId: number;
  branchId: string;
  stepIndex: number;
  settings: SamplingSettings;
}

export type InferenceRequest = LoadModelRequest | GenerateRequest | BranchRequest | RunManyRequest | StopRequest | ResampleRequest;

export interface PromptTokens {
  ids: number[];
  /** each prompt token's own text (decoded alone) */
  texts: string[];
}

export type InferenceEvent =
  | { type: 'model-load'; requestId: number; modelId: string; progress: LoadProgress }
  | {
      type: 'model-ready';
      requestId: number;
      info: ModelInfo;
      backend: Backend;
      /** why this backend runs, e.g. "WebGPU unavailable: no adapter" */
      backendReason: string;
      threads: number;
    }
  | { type: 'model-error'; requestId: number; modelId: string; message: string }
  | { type: 'run-started'; runId: string; prompt: PromptTokens; parent: { branchId: string; stepIndex: number } | null; useKvCache: boolean }
  | { type: 'step'; runId: string; step: StepSnapshot }
  | { type: 'run-done'; runId: string; summary: GenerationSummary }
  | { type: 'resampled'; requestId: number; step: ResampledStep }
  | { type: 'run-many-progress'; runId: string; run: number; runs: number; text: string }
  | { type: 'run-many-done'; runId: string; tree: DivergenceNode; texts: string[]; sequences: number[][]; tokenTexts: Record<number, string> };

// ---------------------------------------------------------------- chat
// --- chat --- (owned by the chat lab, issue 5)

export type { ChatAnalysis, Conversation };

/** Render a conversation with a template (a family id or a loaded model's id), tokenize it, and do the budget. */
export interface ChatAnalyseRequest extends ChatAnalyseInput {
  type: 'chat-analyse';
  requestId: number;
  templateId: string;
  /** the OpenAI model whose window / prices apply when templateId is o200k_base */
  openAIModel: string;
}

export type ChatRequest = ChatAnalyseRequest;

export type ChatEvent =
  | { type: 'chat-analysed'; requestId: number; ms: number; analysis: ChatAnalysis }
  | { type: 'chat-error'; requestId: number; message: string };
// --- end chat ---

// ---------------------------------------------------------------- analysis
// --- analysis --- (owned by the analyse lab, issue 6)

export type { AnalysisProgress, AnalysisResult };

/** Score every token of a text with the loaded model (runs on the inference lane, after any load in flight). */
export interface AnalyseTextRequest {
  type: 'analyse-text';
  requestId: number;
  text: string;
  /** more windows than this are not run: the worker answers 'analysis-confirm' and waits for a new request */
  maxWindows: number;
}

/** Stop an analysis between two windows (acts at once, not behind the running analysis). */
export interface AnalyseCancelRequest {
  type: 'analyse-cancel';
  requestId: number;
}

export type AnalysisRequest = AnalyseTextRequest | AnalyseCancelRequest;

/** Errors travel as the shared 'error' event with scope 'inference' and this requestId. */
export type AnalysisEvent =
  | { type: 'analysis-confirm'; requestId: number; tokens: number; windows: number; contextWindow: number }
  | { type: 'analysis-progress'; requestId: number; progress: AnalysisProgress }
  | { type: 'analysis-done'; requestId: number; result: AnalysisResult };
// --- end analysis ---

// ---------------------------------------------------------------- contract

export type EngineRequest = TokenizeRequest | CompareRequest | InferenceRequest | ChatRequest | AnalysisRequest;

export type EngineEvent =
  | {
      type: 'tokenizer-load';
      tokenizerId: TokenizerChoice;
      phase: TokenizerLoadPhase;
      loadedBytes: number;
      totalBytes: number;
    }
  | { type: 'tokenize-progress'; requestId: number; doneChars: number; totalChars: number }
  | {
      type: 'tokenized';
      requestId: number;
      tokenizerId: TokenizerChoice;
      specialTokens: boolean;
      textLength: number;
      /** Unicode code points and whitespace-separated words of the text */
      characters: number;
      words: number;
      ms: number;
      /** the range of tokens that was re-encoded (incremental edits touch only a few) */
      reencoded: [number, number];
      payload: TokenizedPayload;
    }
  | { type: 'compared'; requestId: number; rows: CompareRow[]; characters: number }
  | {
      type: 'error';
      requestId?: number;
      runId?: string;
      scope: 'tokenizer' | 'compare' | 'engine' | 'inference';
      message: string;
      recoverable: boolean;
      /** 'stale-edit': the worker no longer holds the text an edit was based on; send the whole text */
      code?: 'stale-edit';
    }
  | InferenceEvent
  | ChatEvent
  | AnalysisEvent;

/** Typed arrays of a payload, listed for postMessage's transfer list. */
export function payloadTransferables(p: TokenizedPayload): Transferable[] {
  return [p.ids.buffer, p.offsets.buffer, p.byteEnds.buffer, p.bytes.buffer, p.special.buffer] as Transferable[];
}
