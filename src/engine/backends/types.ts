/**
 * The one contract between the generation and analysis loops and whatever computes next-token distributions:
 * the local ONNX model (backends/onnx), or a server answering with `top_logprobs` (backends/server: vLLM,
 * llama.cpp, Ollama, OpenAI over HTTP). The loops, the step events and the panels see only this interface.
 *
 * A backend says once what kind of distribution it gives: 'full' (a logit for every vocabulary entry) or
 * 'partial' (the log-probabilities of the top N tokens plus the mass of all the others). Types only: nothing here
 * runs, so the worker protocol and tests can import it freely.
 */
import type { ModelInfo, Vocabulary } from '../generation/types';
import type { ConstraintSpec } from '../grammar/types';
import type { SamplingSettings } from '../sampling/types';

export type { Vocabulary } from '../generation/types';

/** One token of a partial distribution. */
export interface TokenLogprob {
  id: number;
  /** natural log of its probability under the model (T = 1) */
  logprob: number;
}

/** The distribution of the next token, as a backend answers it. */
export type NextTokenScores =
  | {
      vocabulary: 'full';
      /** one logit per vocabulary entry (a fresh array the caller may keep) */
      logits: Float32Array;
    }
  | {
      vocabulary: 'partial';
      /** the N best tokens the backend reported, any order */
      top: TokenLogprob[];
      /** probability of every token not in `top` (1 − Σ exp(logprob), at least 0) */
      otherMass: number;
      /** Set when the backend picked the token itself (a server samples as it answers); it should be in `top`. */
      chosenId?: number;
    };

/**
 * The tokenizer of a backend, in Hugging Face's call shape (a Transformers.js tokenizer is one as it is). A server
 * backend's is its table of the token texts the server sent (backends/server/vocabulary.ts): encoding a prompt gives
 * one id for the whole text, which is sent as text.
 */
export interface BackendTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  /** `ids` must not be empty. */
  decode(ids: number[], options?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean }): string;
  /**
   * A server backend numbers the tokens it meets itself (servers send text): this gives the model's own id of one
   * of them where the server reported it, else undefined. Absent where ids are the model's own (the local model).
   */
  modelTokenId?(id: number): number | undefined;
}

/** What one call to `DecodeSequence.next` returns. */
export interface SequenceStep {
  scores: NextTokenScores;
  /** tokens the backend processed for this step (the whole context without a cache, the new ones with it) */
  inputTokens: number;
}

/**
 * What `next` returns instead of a step when the backend ended the sequence itself: a server's stream finished
 * ('eos': the model ended its text or hit a stop; 'context-full': the server's window is full) or broke off
 * ('interrupted': the tokens before it stand, `message` says what happened).
 */
export interface SequenceEnd {
  end: 'eos' | 'context-full' | 'interrupted';
  message?: string;
}

/** How a sequence is opened. The local model needs only `useKvCache`; a server also generates on its own side. */
export interface SequenceOptions {
  /** false: recompute the whole context each step (where that means anything) */
  useKvCache: boolean;
  /** the user's sampling settings, which a server applies when it picks tokens */
  settings?: SamplingSettings;
  /** tokens the sequence may still generate (a server asks for this many in one request) */
  maxNewTokens?: number;
  /** the run's RNG stream (see sampling/rng.ts): "run N times" gives each run its own server seed */
  stream?: number;
  /** a constraint the server enforces itself, sent as its own structured-output option (backends/server/constraints.ts) */
  constraint?: ConstraintSpec;
}

/**
 * One growing context: the backend may keep state across steps (the KV cache of the local model; the open stream
 * of a server). Each `next` gets the whole context so far, which extends the previous call's by the tokens chosen
 * since — or, after the loop took a token other than the backend's pick (a branch), differs from it.
 */
export interface DecodeSequence {
  /**
   * The distribution of the token after `context`, or how the backend ended the sequence. When `signal` aborts,
   * rejects at once with `signal.reason` — also while work is in flight; that work may finish in the background,
   * and `dispose` waits for it.
   */
  next(context: readonly number[], signal?: AbortSignal): Promise<SequenceStep | SequenceEnd>;
  /** Frees what the sequence holds, after any abandoned work has settled. Resolves when the backend is free again. */
  dispose(): Promise<void>;
}

export interface ScorePositionsOptions {
  /** the first position whose row is wanted; earlier positions are only context */
  from: number;
  signal?: AbortSignal;
  /** at most this many positions' logits exist at once (a memory hint; a backend that holds no logits ignores it) */
  chunkTokens?: number;
}

/** One token of a text as a backend scored it from the top N log-probabilities at its position (`scorePrompt`). */
export interface PromptTokenScore {
  /** the backend's id of the token (a server backend's own numbering, see BackendTokenizer.modelTokenId) */
  id: number;
  /** the text this token adds to the text */
  text: string;
  /** natural log of its probability given the tokens before it (T = 1); null where it has no prediction (the first
   * token when the server put no BOS before the text) */
  logprob: number | null;
  /**
   * 1 + the number of tokens the model found strictly more likely. Exact where the server says it (vLLM's
   * `prompt_logprobs`) or where the token is among the top N reported; null when it is not among them and the server
   * gave no rank ("beyond N"), and where the token is unscored.
   */
  rank: number | null;
  /** the most likely tokens at this position (at most N, best first), the token itself among them when it is */
  top: TokenLogprob[];
}

/** A text scored by `scorePrompt`: its tokens as the server split it. */
export interface PromptScores {
  tokens: PromptTokenScore[];
  /** N: the log-probabilities reported per position (a null rank means "not among these N") */
  topN: number;
  /** the server put a token before the text (a BOS) that is not among `tokens`: every prediction saw it too */
  prefixed: boolean;
}

/** The interface the loops drive. One backend serves one model; a model switch builds a new backend. */
export interface NextTokenBackend {
  readonly info: ModelInfo;
  /** what `next` answers: every vocabulary logit, or the top N log-probabilities and the remaining mass */
  readonly vocabulary: Vocabulary;
  readonly tokenizer: BackendTokenizer;
  /** Starts a context. */
  openSequence(options: SequenceOptions): DecodeSequence;
  /**
   * Analysis: the full logits at every position p ≥ `from` of `ids`, row p being the distribution of the token
   * after ids[0..p]. `onRow`'s row is valid only during the call. Rejects with `signal.reason` when aborted.
   * Absent where the backend cannot give full rows for a whole text (a server with `top_logprobs`).
   */
  scorePositions?(
    ids: readonly number[],
    options: ScorePositionsOptions,
    onRow: (position: number, row: Float32Array) => void,
  ): Promise<void>;
  /**
   * Analysis from a partial distribution: the server scores `text` as a prompt, answering per token its
   * log-probability, its rank where known and the top N at its position (vLLM's `prompt_logprobs`; completions with
   * `echo` and `logprobs`). Present only where the server can (see analysisUnsupported). Rejects with
   * `signal.reason` when aborted, and with an EngineFailure (a message for the user) when the server refuses.
   */
  scorePrompt?(text: string, signal?: AbortSignal): Promise<PromptScores>;
  dispose(): Promise<void>;
}
