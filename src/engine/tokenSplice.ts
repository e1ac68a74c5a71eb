/**
 * Splices of token arrays in place. The UI's store applies a tokenize answer's splice (protocol.ts `TokenSplice`) to
 * the tokens it holds with `TokenBuffers`, and the worker's incremental sessions splice their ids and offsets with
 * `spliceInPlace`. Dependency-free: the UI imports it, and the tests check it against encoding whole.
 *
 * Why in place: a keystroke in a megabyte of text changes a few tokens of 250,000. Building new arrays for every
 * keystroke allocated about 2.6 MB in the worker and 4.6 MB in the UI, and the garbage collector's work on the
 * worker's large heap (the vocabularies) cost more than the splice itself.
 */
import type { TokenizedPayload, TokenSplice } from './protocol';

type NumberArray = Uint32Array | Uint8Array;

/** A typed array with room to grow: its first `length` elements are the content. */
export interface Spliceable<T extends NumberArray> {
  data: T;
  length: number;
}

/** A spliceable holding `data` whole (no copy: its first splice that grows it moves to a larger array). */
export const spliceable = <T extends NumberArray>(data: T): Spliceable<T> => ({ data, length: data.length });

/** The content, as a view of the buffer (valid until the next splice). */
export const contentOf = <T extends NumberArray>(s: Spliceable<T>): T => s.data.subarray(0, s.length) as T;

/**
 * Replaces elements [at, at + removed) with `insert` (each plus `insertAdd`), and adds `shift` to every element after
 * them. In place when the buffer has room; otherwise into a new buffer with room for later growth.
 */
export function spliceInPlace<T extends NumberArray>(s: Spliceable<T>, at: number, removed: number, insert: T, insertAdd = 0, shift = 0): void {
  const n = s.length;
  const m = insert.length;
  const tailFrom = at + removed;
  const next = n - removed + m;
  let data = s.data;
  if (next > data.length) {
    const grown = new (data.constructor as new (size: number) => T)(next + (next >> 3) + 1024);
    grown.set(data.subarray(0, at));
    grown.set(data.subarray(tailFrom, n), at + m);
    data = grown;
  } else if (tailFrom !== at + m) data.copyWithin(at + m, tailFrom, n);
  if (insertAdd === 0) data.set(insert, at);
  else for (let i = 0; i < m; i++) data[at + i] = insert[i] + insertAdd;
  if (shift !== 0) for (let i = at + m; i < next; i++) data[i] += shift;
  s.data = data;
  s.length = next;
}

/**
 * The tokens of the latest tokenize answer, kept in buffers that each splice updates in place. The payload it returns
 * is a set of views: an earlier payload's arrays may change with a later splice, so only the latest one is read.
 */
export class TokenBuffers {
  private readonly ids: Spliceable<Uint32Array>;
  private readonly offsets: Spliceable<Uint32Array>;
  private readonly byteEnds: Spliceable<Uint32Array>;
  private readonly bytes: Spliceable<Uint8Array>;
  private readonly special: Spliceable<Uint8Array>;
  /** the tokens held, as views of the buffers */
  payload: TokenizedPayload;

  /** Takes over `payload`'s arrays (no copy): the first splice may change them. */
  constructor(payload: TokenizedPayload) {
    this.ids = spliceable(payload.ids);
    this.offsets = spliceable(payload.offsets);
    this.byteEnds = spliceable(payload.byteEnds);
    this.bytes = spliceable(payload.bytes);
    this.special = spliceable(payload.special);
    this.payload = payload;
  }

  /** Applies a splice based on the tokens held; returns the new tokens. */
  apply(splice: TokenSplice): TokenizedPayload {
    const { keptBefore: a, keptAfter: k, offsetDelta, middle: m } = splice;
    const baseN = this.ids.length;
    if (a < 0 || k < 0 || a + k > baseN) throw new RangeError(`a splice keeping ${a} + ${k} tokens does not fit ${baseN} tokens`);
    const tail = baseN - k;
    const byteEnds = this.byteEnds.data;
    const prefixBytes = a === 0 ? 0 : byteEnds[a - 1];
    const tailStart = tail === 0 ? 0 : byteEnds[tail - 1];
    spliceInPlace(this.ids, a, tail - a, m.ids);
    spliceInPlace(this.offsets, 2 * a, 2 * (tail - a), m.offsets, 0, offsetDelta);
    // the middle's byte ends count from its first byte; the tail's move by the change in length
    spliceInPlace(this.byteEnds, a, tail - a, m.byteEnds, prefixBytes, prefixBytes + m.bytes.length - tailStart);
    spliceInPlace(this.bytes, prefixBytes, tailStart - prefixBytes, m.bytes);
    spliceInPlace(this.special, a, tail - a, m.special);
    this.payload = { ids: contentOf(this.ids), offsets: contentOf(this.offsets), byteEnds: contentOf(this.byteEnds), bytes: contentOf(this.bytes), special: contentOf(this.special) };
    return this.payload;
  }
}
