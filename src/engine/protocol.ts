/**
 * The one typed contract between the UI thread and the engine worker.
 * Requests flow UI → worker; events flow worker → UI. Big arrays cross as
 * transferable typed arrays, never as JSON arrays of numbers.
 */

export type TokenizerChoice = string; // a BuiltinTokenizerId or a loaded model's id

// ---------------------------------------------------------------- tokenizer

export interface TokenizeRequest {
  type: 'tokenize';
  requestId: number;
  tokenizerId: TokenizerChoice;
  text: string;
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

// ---------------------------------------------------------------- contract

export type EngineRequest = TokenizeRequest | CompareRequest;

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
      ms: number;
      /** the range of tokens that was re-encoded (incremental edits touch only a few) */
      reencoded: [number, number];
      payload: TokenizedPayload;
    }
  | { type: 'compared'; requestId: number; rows: CompareRow[] }
  | { type: 'error'; requestId?: number; scope: 'tokenizer' | 'compare' | 'engine'; message: string; recoverable: boolean };

/** Typed arrays of a payload, listed for postMessage's transfer list. */
export function payloadTransferables(p: TokenizedPayload): Transferable[] {
  return [p.ids.buffer, p.offsets.buffer, p.byteEnds.buffer, p.bytes.buffer, p.special.buffer] as Transferable[];
}
