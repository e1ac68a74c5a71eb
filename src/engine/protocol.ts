/**
 * The one typed contract between the UI thread and the engine worker.
 *
 * - A request is answered by exactly one response or one error: the UI calls
 *   `engine.request(request, { signal })` and awaits a promise (state/engineClient.ts).
 * - Work that streams (a model load, a generation, an analysis) sends events tagged with its request
 *   while it runs, then its response. A few events belong to no request (a tokenizer loading).
 * - Aborting the signal asks the worker to stop that request: it answers at once, with what it has
 *   (a generation's summary, reason "stopped") or with an error of code 'cancelled'.
 * - Errors have one shape: a scope (which part of the app failed) and a message written for the user.
 *
 * Big arrays cross as transferable typed arrays, never as JSON arrays of numbers (`responseTransferables`).
 * Dependency-free: the UI imports this module; everything imported here is a type.
 */

import type {
  DivergenceNode,
  GenerationSummary,
  LoadProgress,
  ModelInfo,
  PromptFit,
  ResampledStep,
  SamplingSettings,
  StepDistribution,
  StepSnapshot,
} from './generation/types';
import type { ChatAnalysis, ChatAnalyseInput } from './chat/analyse';
import type { Conversation } from './chat/types';
import type { AnalysisProgress, AnalysisResult } from './analyse/types';
import type { ServerApi, ServerFlavor, ServerModel } from './backends/server/types';
import type { ConstraintInfo, ConstraintProblem, ConstraintSpec } from './grammar/types';
import type { PricingCatalogue, PricingEntry } from './pricing/types';
import type { InsideRequest, InsideResponse, InsideResult } from './inside/types';

export type { ServerApi, ServerFlavor, ServerModel };
export type { ConstraintInfo, ConstraintProblem, ConstraintSpec };

export type { ChatAnalysis, Conversation, AnalysisProgress, AnalysisResult, PricingCatalogue, PricingEntry };
export type { InsideRequest, InsideResponse, InsideResult };
export type { DivergenceNode, GenerationSummary, LoadProgress, ModelInfo, PromptFit, ResampledStep, SamplingSettings, StepDistribution, StepSnapshot };

/** A BuiltinTokenizerId or a loaded model's id. */
export type TokenizerChoice = string;

// ---------------------------------------------------------------- tokenizer lab

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
  /** names this text for later edits (`TextChange.baseRequestId`) */
  requestId: number;
  tokenizerId: TokenizerChoice;
  change: TextChange;
  specialTokens: boolean;
  /** false: encode on the engine worker alone, never split across helper workers (the bench's one-core figure) */
  parallel?: boolean;
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

export interface TokenizeResponse {
  type: 'tokenized';
  tokenizerId: TokenizerChoice;
  specialTokens: boolean;
  textLength: number;
  /** Unicode code points and whitespace-separated words of the text */
  characters: number;
  words: number;
  ms: number;
  /** the range of tokens that was re-encoded (incremental edits touch only a few) */
  reencoded: [number, number];
  /** into how many parts the re-encoded range was cut and encoded in parallel (1: on the engine worker alone) */
  parts: number;
  /** tokens of the new text */
  tokenCount: number;
  /**
   * All the tokens, or (after an edit) how they differ from the tokens of the request the edit was based on: a
   * keystroke in a megabyte of text then sends a few tokens instead of 250,000 (tokenSplice.ts applies it).
   */
  tokens: { kind: 'whole'; payload: TokenizedPayload } | { kind: 'splice'; splice: TokenSplice };
}

/**
 * The tokens of an edited text as a change to the tokens of request `baseRequestId`: its first `keptBefore` tokens,
 * then `middle`, then its last `keptAfter` tokens with their spans moved by `offsetDelta` UTF-16 units. `middle`'s
 * spans are in the new text; its byte ends count from its own first byte.
 */
export interface TokenSplice {
  baseRequestId: number;
  keptBefore: number;
  keptAfter: number;
  offsetDelta: number;
  middle: TokenizedPayload;
}

export interface CompareRequest {
  type: 'compare';
  text: string;
  specialTokens: boolean;
  tokenizerIds: TokenizerChoice[];
  /** only boundaries inside the first `previewChars` characters are returned (the split preview) */
  previewChars: number;
}

export interface CompareRow {
  tokenizerId: TokenizerChoice;
  count: number;
  ms: number;
  /** UTF-16 start offsets of the tokens that start inside the preview */
  previewStarts: Uint32Array;
  error?: string;
}

export interface CompareResponse {
  type: 'compared';
  rows: CompareRow[];
  characters: number;
}

export type TokenizerLoadPhase = 'download' | 'parse' | 'ready';

// ---------------------------------------------------------------- generate lab

/** 'auto' takes WebGPU when the browser offers an adapter, WASM otherwise. */
export type BackendChoice = 'auto' | 'webgpu' | 'wasm';
/** Where a model loaded in the page runs. */
export type LocalBackend = 'webgpu' | 'wasm';
/** Where the current model runs: in the page, or on a server (`use-server`). */
export type Backend = LocalBackend | 'server';

export interface LoadModelRequest {
  type: 'load-model';
  modelId: string;
  backend: BackendChoice;
  /** host serving Hub-layout model folders (`<host>/<id>/resolve/main/<file>`) */
  remoteHost: string;
  dtype?: string;
}

export interface ModelReadyResponse {
  type: 'model-ready';
  info: ModelInfo;
  backend: Backend;
  /** why this backend runs, e.g. "WebGPU unavailable: no adapter" */
  backendReason: string;
  threads: number;
}

/** A prompt as text (tokenized by the model's tokenizer) or as ready token IDs. */
export type PromptInput = { text: string; addSpecialTokens: boolean } | { ids: number[] };

export interface GenerationParams {
  settings: SamplingSettings;
  maxNewTokens: number;
  useKvCache: boolean;
  /** The grammar the output must follow (absent or kind 'none': unconstrained). The local model masks its logits in
   * the page; a server gets it as its own structured-output option. An invalid one refuses the run. */
  constraint?: ConstraintSpec;
}

export interface GenerateRequest extends GenerationParams {
  type: 'generate';
  prompt: PromptInput;
  /** With a server on the chat API: the conversation (and tools) to answer, instead of `prompt` as one user message.
   * Ignored by the local model and the completions API. */
  messages?: Conversation;
}

/** Does this prompt fit the current model's window, and where does its end that fits begin? (light work, asked while typing) */
export interface PromptFitRequest {
  type: 'prompt-fit';
  prompt: { text: string; addSpecialTokens: boolean };
  maxNewTokens: number;
}

export interface PromptFitResponse {
  type: 'prompt-fit';
  /** the model it was measured for; null: no model yet, or a server (its window is its own) */
  modelId: string | null;
  fit: PromptFit | null;
}

/** "Pick this token instead": continue from step `stepIndex` of a branch with `tokenId`. */
export interface BranchRequest extends GenerationParams {
  type: 'branch';
  fromBranchId: string;
  stepIndex: number;
  tokenId: number;
}

export interface RunDoneResponse {
  type: 'run-done';
  summary: GenerationSummary;
}

export interface RunManyRequest extends GenerationParams {
  type: 'run-many';
  prompt: PromptInput;
  /** as GenerateRequest.messages */
  messages?: Conversation;
  runs: number;
}

export interface RunManyResponse {
  type: 'run-many-done';
  tree: DivergenceNode;
  texts: string[];
  sequences: number[][];
  tokenTexts: Record<number, string>;
}

/** Re-sample a kept step with other settings (pure maths over its kept logits; no model call). */
export interface ResampleRequest {
  type: 'resample';
  branchId: string;
  stepIndex: number;
  settings: SamplingSettings;
  /** re-mask the step with this grammar (walked over the tokens before the step) */
  constraint?: ConstraintSpec;
}

/** Compile a constraint against the current model's vocabulary (cached: a run with it then starts at once). */
export interface CompileConstraintRequest {
  type: 'compile-constraint';
  constraint: ConstraintSpec;
}

/** An invalid constraint is an answer, not a failure: the UI shows the problem at its position. */
export type CompileConstraintResponse =
  | { type: 'constraint-ready'; info: ConstraintInfo }
  | { type: 'constraint-invalid'; problem: ConstraintProblem };

/** Stages of a constraint's compile, for its progress line. */
export type ConstraintCompilePhase = 'engine' | 'vocabulary' | 'compile';

/**
 * The distributions of streamed steps exactly as they were generated. The UI keeps full distributions only for the
 * steps it shows (and a short recent window); any other step, and every step of an export, is asked for here.
 */
export interface StepDistributionsRequest {
  type: 'step-distributions';
  steps: { branchId: string; stepIndex: number }[];
}

export interface StepDistributionsResponse {
  type: 'step-distributions';
  /** one per requested step, in order; null where the engine no longer keeps it (see generation/distributionStore.ts) */
  distributions: (StepDistribution | null)[];
}

export interface ResampleResponse {
  type: 'resampled';
  step: ResampledStep;
}

export interface PromptTokens {
  ids: number[];
  /** each prompt token's own text (decoded alone) */
  texts: string[];
}

// ---------------------------------------------------------------- servers

/**
 * Read a server's model list (`GET {baseUrl}/models`). Nothing is sent to a server before this request. The key,
 * when given, goes only in the Authorization header to that origin.
 */
export interface ConnectServerRequest {
  type: 'connect-server';
  /** e.g. http://localhost:8000/v1 */
  baseUrl: string;
  apiKey?: string;
}

export interface ServerModelsResponse {
  type: 'server-models';
  /** the base URL as it will be used (normalised; "/v1" added when the list was found there) */
  baseUrl: string;
  /** where text will be sent */
  origin: string;
  flavor: ServerFlavor;
  models: ServerModel[];
}

/**
 * Make a server's model the current backend (answered with `model-ready`; `info.server` describes it). One short
 * request checks that the server returns log-probabilities. The previous model stays usable if this fails.
 */
export interface UseServerRequest {
  type: 'use-server';
  baseUrl: string;
  apiKey?: string;
  modelId: string;
  api: ServerApi;
}

// ---------------------------------------------------------------- chat lab

/** Render a conversation with a template (a family id or a loaded model's id), tokenize it, and do the budget. */
export interface ChatAnalyseRequest extends ChatAnalyseInput {
  type: 'chat-analyse';
  templateId: string;
  /** the catalogue model ("provider/model") whose window and prices apply; '' for the template's own model */
  pricingModel: string;
  /** A server model the conversation runs on, where the server said its window: the budget uses that window. */
  serverModel?: { id: string; contextWindow: number; origin: string };
}

export interface ChatAnalyseResponse {
  type: 'chat-analysed';
  ms: number;
  analysis: ChatAnalysis;
}

/** The maintained catalogue of API models (windows, prices), loaded in the worker on first use. */
export interface PricingCatalogueRequest {
  type: 'pricing-catalogue';
}

export interface PricingCatalogueResponse {
  type: 'pricing-catalogue';
  catalogue: PricingCatalogue;
}

// ---------------------------------------------------------------- analyse lab

/** Score every token of a text with the loaded model (runs on the model lane, after any load in flight). */
export interface AnalyseTextRequest {
  type: 'analyse-text';
  text: string;
  /** more windows than this are not run: the worker answers 'analysis-confirm' */
  maxWindows: number;
}

export type AnalyseTextResponse =
  | { type: 'analysis-done'; result: AnalysisResult }
  | { type: 'analysis-confirm'; tokens: number; windows: number; contextWindow: number };

// ---------------------------------------------------------------- the contract

/** Every request with its response: `engine.request(r)` resolves with `ResponseTo<r['type']>`. */
export interface EngineCalls {
  tokenize: { request: TokenizeRequest; response: TokenizeResponse };
  compare: { request: CompareRequest; response: CompareResponse };
  'load-model': { request: LoadModelRequest; response: ModelReadyResponse };
  'connect-server': { request: ConnectServerRequest; response: ServerModelsResponse };
  'use-server': { request: UseServerRequest; response: ModelReadyResponse };
  generate: { request: GenerateRequest; response: RunDoneResponse };
  branch: { request: BranchRequest; response: RunDoneResponse };
  'run-many': { request: RunManyRequest; response: RunManyResponse };
  resample: { request: ResampleRequest; response: ResampleResponse };
  'step-distributions': { request: StepDistributionsRequest; response: StepDistributionsResponse };
  'compile-constraint': { request: CompileConstraintRequest; response: CompileConstraintResponse };
  'chat-analyse': { request: ChatAnalyseRequest; response: ChatAnalyseResponse };
  'pricing-catalogue': { request: PricingCatalogueRequest; response: PricingCatalogueResponse };
  'analyse-text': { request: AnalyseTextRequest; response: AnalyseTextResponse };
  inside: { request: InsideRequest; response: InsideResponse };
  'prompt-fit': { request: PromptFitRequest; response: PromptFitResponse };
}

export type RequestType = keyof EngineCalls;
export type EngineRequest = EngineCalls[RequestType]['request'];
export type EngineResponse = EngineCalls[RequestType]['response'];
export type RequestOf<T extends RequestType> = EngineCalls[T]['request'];
export type ResponseTo<T extends RequestType> = EngineCalls[T]['response'];

/** What streams while a request runs (tagged with its request), or on its own (`tokenizer-load`). */
export type EngineEvent =
  | { type: 'tokenizer-load'; tokenizerId: TokenizerChoice; phase: TokenizerLoadPhase }
  | { type: 'model-load'; modelId: string; progress: LoadProgress }
  | { type: 'run-started'; prompt: PromptTokens; parent: { branchId: string; stepIndex: number } | null; useKvCache: boolean }
  | { type: 'step'; step: StepSnapshot }
  | { type: 'run-many-progress'; run: number; runs: number; text: string }
  | { type: 'constraint-progress'; phase: ConstraintCompilePhase }
  | { type: 'analysis-progress'; progress: AnalysisProgress };

/** Which part of the app an error belongs to; 'engine' is the worker itself (it crashed, or a message was unreadable). */
export type ErrorScope = 'tokenizer' | 'model' | 'generate' | 'chat' | 'analyse' | 'inside' | 'engine';

export interface EngineErrorInfo {
  scope: ErrorScope;
  /** written for the user: what happened and what to do */
  message: string;
  /** 'stale-edit': the worker no longer holds the text an edit was based on (send the whole text);
   *  'cancelled': the request was aborted before it finished */
  code?: 'stale-edit' | 'cancelled' | 'not-started';
}

/**
 * UI → worker. `ping` asks the worker to show it is alive: it answers `pong` at once, between decode steps and
 * analysis windows too (both loops yield to the worker's event loop), so a worker that stays silent is dead.
 */
export type ToWorker = { kind: 'request'; id: number; request: EngineRequest } | { kind: 'cancel'; id: number } | { kind: 'ping' };

/** Worker → UI. An error without an id is the engine's own. */
export type FromWorker =
  /** sent once, when the worker's script has loaded and it listens */
  | { kind: 'ready' }
  /** the answer to a `ping` */
  | { kind: 'pong' }
  | { kind: 'response'; id: number; response: EngineResponse }
  | { kind: 'event'; id?: number; event: EngineEvent }
  | { kind: 'error'; id?: number; error: EngineErrorInfo };

/** The message of a failure, whatever was thrown (worker and UI alike). */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The typed arrays of a response, listed for postMessage's transfer list. */
export function responseTransferables(response: EngineResponse): Transferable[] {
  switch (response.type) {
    case 'tokenized':
      return payloadTransferables(response.tokens.kind === 'whole' ? response.tokens.payload : response.tokens.splice.middle);
    case 'compared':
      return response.rows.map((r) => r.previewStarts.buffer as ArrayBuffer);
    case 'chat-analysed':
      return [response.analysis.labels.buffer, response.analysis.ids.buffer, response.analysis.offsets.buffer, response.analysis.tokenParts.buffer] as Transferable[];
    case 'analysis-done': {
      const r = response.result;
      return [r.ids, r.prob, r.rank, r.surprisal, r.entropy, r.contextTokens, r.window, r.topIds, r.topProbs, r.texts.ends, r.summary.rankValues, r.summary.rankAtMost].map(
        (a) => a.buffer as ArrayBuffer,
      );
    }
    case 'inside-done': {
      const r = response.result;
      return [r.lensIds, r.lensProbs, r.finalChoiceProbs, r.attention, r.residualNorms].flatMap((a) => (a ? [a.buffer as ArrayBuffer] : []));
    }
    default:
      return [];
  }
}

function payloadTransferables(p: TokenizedPayload): Transferable[] {
  return [p.ids.buffer, p.offsets.buffer, p.byteEnds.buffer, p.bytes.buffer, p.special.buffer] as Transferable[];
}
