/**
 * Worker-side tokenizer service: loads tokenizers lazily, keeps one incremental
 * session per (tokenizer, special-token mode) so edits re-tokenize only the
 * region they affect, and packs results into transferable arrays.
 */
import type { Encoding, SessionEdit, SessionUpdate, TextTokenizer } from './tokenizers';
import { BUILTIN_TOKENIZERS, createHuggingFaceTokenizer, loadBuiltinTokenizer } from './tokenizers';
import type { BuiltinTokenizerId, TokenizerDataSource } from './tokenizers';
import type { TokenizedPayload, TokenizeResponse, TokenizerLoadPhase, TokenSplice } from './protocol';
import { PARALLEL_MIN_CHARS, type TokenizerPool } from './tokenizerPool';
import { sharedUntilFailure } from './sharedUntilFailure';

export type LoadListener = (tokenizerId: string, phase: TokenizerLoadPhase) => void;

/** Where a model's own tokenizer files live, e.g. `models/nexttoken-base/`. */
export type ModelTokenizerLocator = (modelId: string) => Promise<{ tokenizerJson: unknown; tokenizerConfigJson: unknown } | null>;

type Session = ReturnType<TextTokenizer['createSession']>;

interface SessionState {
  session: Session;
  /** the request this session last answered, and its text's length: an edit based on it is answered as a splice */
  answered: { requestId: number; textLength: number } | null;
}

/** Which request a tokenize call answers, and (for an edit) the request whose tokens the caller holds. */
export interface TokenizeIdentity {
  requestId: number;
  baseRequestId?: number;
}

const builtinIds = new Set<string>(BUILTIN_TOKENIZERS.map((t) => t.id));

export class TokenizerService {
  private readonly loading = new Map<string, Promise<TextTokenizer>>();
  private readonly sessions = new Map<string, SessionState>();

  constructor(
    private readonly onLoad: LoadListener,
    private readonly locateModelTokenizer: ModelTokenizerLocator,
    /** helpers for large texts (null: everything on this thread) */
    private readonly pool: TokenizerPool | null = null,
    /** where built-in vocabularies come from (default: the bundled files, in a browser or worker) */
    private readonly source?: TokenizerDataSource,
  ) {}

  get(tokenizerId: string): Promise<TextTokenizer> {
    return sharedUntilFailure(this.loading, tokenizerId, () => this.load(tokenizerId));
  }

  private async load(tokenizerId: string): Promise<TextTokenizer> {
    this.onLoad(tokenizerId, 'download');
    let tokenizer: TextTokenizer;
    if (builtinIds.has(tokenizerId)) {
      tokenizer = await loadBuiltinTokenizer(tokenizerId as BuiltinTokenizerId, this.source);
    } else {
      const files = await this.locateModelTokenizer(tokenizerId);
      if (!files) throw new Error(`No tokenizer is known for "${tokenizerId}". Load the model first or pick another tokenizer.`);
      this.onLoad(tokenizerId, 'parse');
      tokenizer = createHuggingFaceTokenizer(tokenizerId, files.tokenizerJson, files.tokenizerConfigJson);
    }
    this.onLoad(tokenizerId, 'ready');
    return tokenizer;
  }

  /**
   * Tokenizes through the incremental session of this tokenizer and mode (`edit`: how `text` came from the previous
   * text). A large re-encoded range is split across the pool's helpers when they are ready (`parallel` false: never).
   */
  async tokenize(tokenizerId: string, text: string, specialTokens: boolean, edit?: SessionEdit, options: { parallel?: boolean; signal?: AbortSignal; identity?: TokenizeIdentity } = {}) {
    const tokenizer = await this.get(tokenizerId);
    const key = `${tokenizerId}|${specialTokens ? 1 : 0}`;
    let state = this.sessions.get(key);
    if (!state) {
      state = { session: tokenizer.createSession({ specialTokens }), answered: null };
      this.sessions.set(key, state);
    }
    const { session } = state;
    let middle: Encoding | undefined;
    let parts = 1;
    const pool = this.pool;
    if (pool && options.parallel !== false && builtinIds.has(tokenizerId) && tokenizer.fast && session.rangeOf && text.length >= PARALLEL_MIN_CHARS) {
      pool.prepare(tokenizerId);
      const [from, to] = session.rangeOf(text, edit);
      if (to - from >= PARALLEL_MIN_CHARS && pool.available(tokenizerId) > 0) {
        try {
          const split = await encodeInParallel(pool, tokenizer, tokenizerId, text, from, to, specialTokens, options.signal);
          middle = split.encoding;
          parts = split.parts;
        } catch (err) {
          if (options.signal?.aborted) throw err;
          // a helper failed (the pool turns itself off if it crashed): encode here, in one piece
        }
      }
    }
    // after an await: the session is only touched on the worker's light lane, one request at a time, so the range
    // that rangeOf gave is still the one update re-encodes
    const encoding = session.update(text, edit, middle);
    // a splice only changes tokens the caller holds: this session's answer to the request the edit was based on
    const identity = options.identity;
    const base = state.answered;
    const kept = base && identity?.baseRequestId === base.requestId ? encoding.kept : undefined;
    state.answered = identity ? { requestId: identity.requestId, textLength: text.length } : null;
    const tokens: TokenizeResponse['tokens'] =
      base && kept && identity?.baseRequestId !== undefined
        ? { kind: 'splice', splice: spliceOf(tokenizer, encoding, kept, identity.baseRequestId, text.length - base.textLength) }
        : { kind: 'whole', payload: packEncoding(tokenizer, encoding) };
    return { tokens, tokenCount: encoding.ids.length, reencoded: [encoding.reencodedFrom, encoding.reencodedTo] as [number, number], parts };
  }
}

/**
 * Encodes text[from, to) in as many parts as there are helpers ready, plus one on this worker, cut at proven split
 * points: the parts' ids concatenated are those of the range encoded whole (offsets counted from the text's start).
 */
async function encodeInParallel(pool: TokenizerPool, tokenizer: TextTokenizer, tokenizerId: string, text: string, from: number, to: number, special: boolean, signal?: AbortSignal): Promise<{ encoding: Encoding; parts: number }> {
  const range = from === 0 && to === text.length ? text : text.slice(from, to);
  const cuts = [0, ...tokenizer.splitPoints(range, pool.available(tokenizerId) + 1, { specialTokens: special }), range.length];
  const pieces = cuts.slice(1).map((end, k) => range.slice(cuts[k], end));
  // the helpers take every part but the first; this worker encodes the first meanwhile
  const remote = pieces.slice(1).map((piece) => pool.encode(tokenizerId, piece, special, signal));
  // a rejected part is awaited below; until then it must not count as unhandled
  for (const r of remote) r.catch(() => undefined);
  const encodings = [tokenizer.encode(pieces[0], { specialTokens: special, template: false }), ...(await Promise.all(remote))];
  let n = 0;
  for (const e of encodings) n += e.ids.length;
  const ids = new Uint32Array(n);
  const offsets = new Uint32Array(2 * n);
  let at = 0;
  encodings.forEach((e, k) => {
    ids.set(e.ids, at);
    const shift = from + cuts[k];
    for (let i = 0; i < e.offsets.length; i++) offsets[2 * at + i] = e.offsets[i] + shift;
    at += e.ids.length;
  });
  return { encoding: { ids, offsets }, parts: pieces.length };
}

/**
 * Each token's bytes and special flag by id, in flat typed arrays filled as tokens are first seen: packing a
 * megabyte's 250,000 tokens then reads typed arrays instead of making two map lookups and a copy call per token.
 */
class TokenTable {
  /** every learned token's bytes, back to back */
  private data = new Uint8Array(1 << 16);
  private used = 0;
  /** per id: where its bytes start in `data`, and their length + 1 (0: not learned yet) */
  private start: Uint32Array;
  private lenPlusOne: Uint32Array;
  private special: Uint8Array;

  constructor(private readonly tokenizer: TextTokenizer) {
    this.start = new Uint32Array(tokenizer.vocabSize);
    this.lenPlusOne = new Uint32Array(tokenizer.vocabSize);
    this.special = new Uint8Array(tokenizer.vocabSize);
  }

  private learn(id: number): void {
    if (id >= this.start.length) {
      const size = Math.max(id + 1, this.start.length * 2);
      const grow = <T extends Uint32Array | Uint8Array>(a: T, b: T): T => (b.set(a), b);
      this.start = grow(this.start, new Uint32Array(size));
      this.lenPlusOne = grow(this.lenPlusOne, new Uint32Array(size));
      this.special = grow(this.special, new Uint8Array(size));
    }
    const b = this.tokenizer.tokenBytes(id);
    if (this.used + b.length > this.data.length) {
      const data = new Uint8Array(Math.max(this.data.length * 2, this.used + b.length));
      data.set(this.data.subarray(0, this.used));
      this.data = data;
    }
    this.data.set(b, this.used);
    this.start[id] = this.used;
    this.lenPlusOne[id] = b.length + 1;
    this.special[id] = this.tokenizer.isSpecial(id) ? 1 : 0;
    this.used += b.length;
  }

  /** where pack gathers the bytes before copying out exactly as many as it wrote (kept for the next pack) */
  private scratch = new Uint8Array(1 << 16);

  /** Packs tokens [from, to) of `ids`: their bytes concatenated, byte ends relative to `base`. One pass over the ids. */
  pack(ids: Uint32Array, from: number, to: number, base: number) {
    const n = to - from;
    const byteEnds = new Uint32Array(n);
    const special = new Uint8Array(n);
    let out = this.scratch;
    let at = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[from + i];
      if (id >= this.lenPlusOne.length || this.lenPlusOne[id] === 0) this.learn(id);
      const s = this.start[id];
      const len = this.lenPlusOne[id] - 1;
      if (at + len > out.length) {
        const grown = new Uint8Array(Math.max(out.length * 2, at + len));
        grown.set(out.subarray(0, at));
        out = this.scratch = grown;
      }
      const data = this.data;
      for (let k = 0; k < len; k++) out[at + k] = data[s + k];
      at += len;
      byteEnds[i] = base + at;
      special[i] = this.special[id];
    }
    return { byteEnds, special, bytes: out.slice(0, at) };
  }
}

const tables = new WeakMap<TextTokenizer, TokenTable>();

function packRange(tokenizer: TextTokenizer, ids: Uint32Array, from: number, to: number, base: number) {
  let table = tables.get(tokenizer);
  if (!table) {
    table = new TokenTable(tokenizer);
    tables.set(tokenizer, table);
  }
  return table.pack(ids, from, to, base);
}

/** Every token's bytes concatenated, so the UI can show pieces without another round-trip; copies, for transfer. */
export function packEncoding(tokenizer: TextTokenizer, encoding: Encoding): TokenizedPayload {
  // the session keeps its ids and offsets for the next edit: what crosses to the UI is a copy
  return { ids: encoding.ids.slice(), offsets: encoding.offsets.slice(), ...packRange(tokenizer, encoding.ids, 0, encoding.ids.length, 0) };
}

/** The tokens that replaced all but the first `kept.before` and last `kept.after`, packed on their own. */
function spliceOf(tokenizer: TextTokenizer, next: SessionUpdate, kept: { before: number; after: number }, baseRequestId: number, offsetDelta: number): TokenSplice {
  const from = kept.before;
  const to = next.ids.length - kept.after;
  const middle = { ids: next.ids.slice(from, to), offsets: next.offsets.slice(2 * from, 2 * to), ...packRange(tokenizer, next.ids, from, to, 0) };
  return { baseRequestId, keptBefore: kept.before, keptAfter: kept.after, offsetDelta, middle };
}
