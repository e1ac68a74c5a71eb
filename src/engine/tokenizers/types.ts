/** Public types of the tokenizer engine (see index.ts). */

export interface Encoding {
  ids: Uint32Array;
  /**
   * 2 numbers per token: [start, end) in UTF-16 code units of the input text. A token that covers
   * only part of a character (byte-level piece of an emoji/CJK char) gets that character's span;
   * added special tokens (BOS) get an empty span.
   */
  offsets: Uint32Array;
}

export interface EncodeOptions {
  /** add the model's special tokens (BOS…) and parse special-token text into special ids */
  specialTokens?: boolean;
  /** false: parse special-token text but add no BOS/EOS around the text (a part of a split text); default true */
  template?: boolean;
}

export interface SessionUpdate extends Encoding {
  /** the re-tokenized region of the new text, [reencodedFrom, reencodedTo) in UTF-16 units */
  reencodedFrom: number;
  reencodedTo: number;
  /** tokens of the previous update kept at the start, and (shifted) at the end; absent after a whole encode */
  kept?: { before: number; after: number };
}

/** How `text` came from the session's previous text `base`: `deleteCount` units at `start` became `insert`. */
export interface SessionEdit {
  base: string;
  start: number;
  deleteCount: number;
  insert: string;
}

export interface TokenizerSession {
  /**
   * `edit`, when given, describes the change from the previous text (it is checked against it).
   * `middle`, when given, is the encoding of the range `rangeOf(text, edit)` returned (made elsewhere, e.g. in
   * parallel): text[from, to) encoded without template tokens, offsets counted from the start of `text`.
   * The arrays returned may be views of the session's own buffers: read them before the next update.
   */
  update(text: string, edit?: SessionEdit, middle?: Encoding): SessionUpdate;
  /** The range [from, to) of `text` that update(text, edit) would re-encode; absent where a session always re-encodes all. */
  rangeOf?(text: string, edit?: SessionEdit): [number, number];
}

export interface TextTokenizer {
  readonly id: string;
  readonly vocabSize: number;
  encode(text: string, options?: EncodeOptions): Encoding;
  /** exact bytes this token stands for after the tokenizer's decoder; special tokens: UTF-8 of their content */
  tokenBytes(id: number): Uint8Array;
  /** the raw vocabulary string (e.g. 'Ġthe', '▁the', '<0xF0>', '<|endoftext|>') */
  tokenPiece(id: number): string;
  isSpecial(id: number): boolean;
  /** incremental editing; every update equals encode(text) exactly */
  createSession(options?: EncodeOptions): TokenizerSession;
  /**
   * Up to n-1 positions (ascending, strictly inside the text) where the text can be cut and the
   * parts encoded independently (without special tokens added) and concatenated, giving exactly
   * the ids of encode(). Offsets of a part are relative to the part. May return fewer points.
   */
  splitPoints(text: string, n: number, options?: EncodeOptions): number[];
  /** true if this tokenizer runs on the engine's fast path; false if it fell back to Transformers.js */
  readonly fast: boolean;
}
