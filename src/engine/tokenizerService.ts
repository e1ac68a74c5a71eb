/**
 * Worker-side tokenizer service: loads tokenizers lazily, keeps one incremental
 * session per (tokenizer, special-token mode) so edits re-tokenize only the
 * region they affect, and packs results into transferable arrays.
 */
import type { Encoding, SessionEdit, SessionUpdate, TextTokenizer } from './tokenizers';
import { BUILTIN_TOKENIZERS, createHuggingFaceTokenizer, loadBuiltinTokenizer } from './tokenizers';
import type { BuiltinTokenizerId } from './tokenizers';
import type { TokenizedPayload, TokenizerLoadPhase } from './protocol';

export type LoadListener = (tokenizerId: string, phase: TokenizerLoadPhase) => void;

/** Where a model's own tokenizer files live, e.g. `models/nexttoken-base/`. */
export type ModelTokenizerLocator = (modelId: string) => Promise<{ tokenizerJson: unknown; tokenizerConfigJson: unknown } | null>;

type Session = ReturnType<TextTokenizer['createSession']>;

interface SessionState {
  session: Session;
  /** the last payload sent, kept so the next edit only packs the tokens it changed */
  last: TokenizedPayload | null;
}

const builtinIds = new Set<string>(BUILTIN_TOKENIZERS.map((t) => t.id));

export class TokenizerService {
  private readonly loading = new Map<string, Promise<TextTokenizer>>();
  private readonly sessions = new Map<string, SessionState>();

  constructor(
    private readonly onLoad: LoadListener,
    private readonly locateModelTokenizer: ModelTokenizerLocator,
  ) {}

  get(tokenizerId: string): Promise<TextTokenizer> {
    let pending = this.loading.get(tokenizerId);
    if (!pending) {
      pending = this.load(tokenizerId);
      this.loading.set(tokenizerId, pending);
      // a failed load may succeed later (e.g. a network hiccup): do not cache failures
      pending.catch(() => this.loading.delete(tokenizerId));
    }
    return pending;
  }

  private async load(tokenizerId: string): Promise<TextTokenizer> {
    this.onLoad(tokenizerId, 'download');
    let tokenizer: TextTokenizer;
    if (builtinIds.has(tokenizerId)) {
      tokenizer = await loadBuiltinTokenizer(tokenizerId as BuiltinTokenizerId);
    } else {
      const files = await this.locateModelTokenizer(tokenizerId);
      if (!files) throw new Error(`No tokenizer is known for "${tokenizerId}". Load the model first or pick another tokenizer.`);
      this.onLoad(tokenizerId, 'parse');
      tokenizer = createHuggingFaceTokenizer(tokenizerId, files.tokenizerJson, files.tokenizerConfigJson);
    }
    this.onLoad(tokenizerId, 'ready');
    return tokenizer;
  }

  /** Tokenizes through the incremental session of this tokenizer and mode (`edit`: how `text` came from the previous text). */
  async tokenize(tokenizerId: string, text: string, specialTokens: boolean, edit?: SessionEdit) {
    const tokenizer = await this.get(tokenizerId);
    const key = `${tokenizerId}|${specialTokens ? 1 : 0}`;
    let state = this.sessions.get(key);
    if (!state) {
      state = { session: tokenizer.createSession({ specialTokens }), last: null };
      this.sessions.set(key, state);
    }
    const encoding = state.session.update(text, edit);
    const packed = (state.last && repackEdit(tokenizer, state.last, encoding)) ?? packEncoding(tokenizer, encoding);
    state.last = packed;
    return {
      // copies cross to the UI (transferred), the originals stay for the next edit
      payload: copyPayload(packed),
      reencoded: [encoding.reencodedFrom, encoding.reencodedTo] as [number, number],
    };
  }
}

function copyPayload(p: TokenizedPayload): TokenizedPayload {
  return { ids: p.ids.slice(), offsets: p.offsets.slice(), byteEnds: p.byteEnds.slice(), bytes: p.bytes.slice(), special: p.special.slice() };
}

/** Packs tokens [from, to) of an encoding: their bytes concatenated, byte ends relative to `base`. */
function packRange(tokenizer: TextTokenizer, ids: Uint32Array, from: number, to: number, base: number) {
  const n = to - from;
  const byteEnds = new Uint32Array(n);
  const special = new Uint8Array(n);
  const pieces: Uint8Array[] = new Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[from + i];
    const b = tokenizer.tokenBytes(id);
    pieces[i] = b;
    total += b.length;
    byteEnds[i] = base + total;
    special[i] = tokenizer.isSpecial(id) ? 1 : 0;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    bytes.set(pieces[i], at);
    at += pieces[i].length;
  }
  return { byteEnds, special, bytes };
}

/** Concatenates every token's bytes so the UI can show pieces without another round-trip. */
export function packEncoding(tokenizer: TextTokenizer, encoding: Encoding): TokenizedPayload {
  const { byteEnds, special, bytes } = packRange(tokenizer, encoding.ids, 0, encoding.ids.length, 0);
  // ids and offsets are the encoding's own arrays (sessions never change an array they returned);
  // what crosses to the UI is a copy (copyPayload)
  return { ids: encoding.ids, offsets: encoding.offsets, byteEnds, bytes, special };
}

/** Tokens equal to the previous ones at the start and (by id and shifted span) at the end, found by comparing. */
function matchUnchanged(prev: TokenizedPayload, next: SessionUpdate): { p: number; sfx: number } {
  const n = next.ids.length;
  const prevN = prev.ids.length;
  // prefix: tokens that end before the re-encoded region and equal the previous ones
  let p = 0;
  while (p < n && p < prevN && next.offsets[2 * p + 1] <= next.reencodedFrom && next.ids[p] === prev.ids[p] && next.offsets[2 * p] === prev.offsets[2 * p]) p++;
  // suffix: tokens that start after the region and equal the previous ones (by id and shifted span)
  const shift = n === 0 || prevN === 0 ? 0 : next.offsets[2 * n - 1] - prev.offsets[2 * prevN - 1];
  let sfx = 0;
  while (
    sfx < n - p &&
    sfx < prevN - p &&
    next.offsets[2 * (n - 1 - sfx)] >= next.reencodedTo &&
    next.ids[n - 1 - sfx] === prev.ids[prevN - 1 - sfx] &&
    next.offsets[2 * (n - 1 - sfx)] === prev.offsets[2 * (prevN - 1 - sfx)] + shift
  )
    sfx++;
  return { p, sfx };
}

/**
 * After an edit only the re-encoded region holds new tokens: the tokens before it are the previous
 * ones, and those after it are the previous ones shifted. Reuses their packed bytes (memory copies)
 * and packs only the middle. Returns null when the previous payload does not line up (then the
 * caller packs everything).
 */
export function repackEdit(tokenizer: TextTokenizer, prev: TokenizedPayload, next: SessionUpdate): TokenizedPayload | null {
  const n = next.ids.length;
  const prevN = prev.ids.length;
  let p = 0;
  let sfx = 0;
  if (next.kept && next.kept.before + next.kept.after <= Math.min(n, prevN)) {
    // the session says which tokens it kept: no scan over a megabyte's tokens per keystroke
    p = next.kept.before;
    sfx = next.kept.after;
  } else {
    ({ p, sfx } = matchUnchanged(prev, next));
  }
  if (p + sfx < Math.min(n, prevN) / 2) return null; // most tokens changed: pack afresh
  const prefixBytes = p === 0 ? 0 : prev.byteEnds[p - 1];
  const mid = packRange(tokenizer, next.ids, p, n - sfx, prefixBytes);
  const midEnd = prefixBytes + mid.bytes.length;
  const prevSuffixStart = prevN - sfx === 0 ? 0 : prev.byteEnds[prevN - sfx - 1];
  const suffixBytes = prev.bytes.length - prevSuffixStart;

  const bytes = new Uint8Array(midEnd + suffixBytes);
  bytes.set(prev.bytes.subarray(0, prefixBytes), 0);
  bytes.set(mid.bytes, prefixBytes);
  bytes.set(prev.bytes.subarray(prevSuffixStart), midEnd);

  const byteEnds = new Uint32Array(n);
  byteEnds.set(prev.byteEnds.subarray(0, p), 0);
  byteEnds.set(mid.byteEnds, p);
  const delta = midEnd - prevSuffixStart;
  for (let k = 0; k < sfx; k++) byteEnds[n - sfx + k] = prev.byteEnds[prevN - sfx + k] + delta;

  const special = new Uint8Array(n);
  special.set(prev.special.subarray(0, p), 0);
  special.set(mid.special, p);
  special.set(prev.special.subarray(prevN - sfx), n - sfx);
  return { ids: next.ids, offsets: next.offsets, byteEnds, bytes, special };
}
