/**
 * The fast, exact tokenizer pipeline shared by OpenAI encodings and Hugging Face BPE tokenizers:
 * added tokens → normalizer → pre-tokenizer → BPE (with a per-piece cache) → ids + offsets.
 */
import { AddedTokenMatcher } from './addedTokens';
import { ABSORBED, bpeMerge } from './bpe';
import { MergeTable } from './mergeTable';
import type { Normalizer } from './normalizers';
import { forEachPiece, type PreTokenizer } from './pretokenizers';
import { TokenSink } from './tokenSink';
import { isWhitespaceUnit, unitLength, utf8EncodeWithUnits } from './unicode';
import { BYTE_TO_CHAR } from './byteLevel';

export interface BpeModel {
  /** model vocabulary (without added tokens): piece → id */
  vocab: Map<string, number>;
  table: MergeTable;
  byteLevel: boolean;
  /** byte-level: id of each byte's character */
  byteIds: Int32Array;
  /** look the whole piece up before merging (tiktoken; HF ignore_merges) */
  ignoreMerges: boolean;
  /** byte fallback: id of <0xXX> for each byte, or null */
  byteFallbackIds: Int32Array | null;
  unkId: number;
  fuseUnk: boolean;
  /** non-byte-level models: code-unit bigrams (involving a boundary char) that occur inside some merge result */
  mergeBigrams: Set<number> | null;
}

export interface AddedTokenSpec {
  content: string;
  id: number;
  special: boolean;
  normalized: boolean;
}

export interface PipelineSpec {
  model: BpeModel;
  normalizer: Normalizer | null;
  pre: PreTokenizer;
  added: readonly AddedTokenSpec[];
  /** ids added around the text in special-tokens mode */
  template: { prefix: number[]; suffix: number[] };
}

type Mode = 0 | 1; // 0 = plain text, 1 = special tokens

/** Characters next to which a non-byte-level BPE word may be cut (if no merge spans the pair). */
export function isBoundaryChar(c: number): boolean {
  return (c < 0x80 && !((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) || c === 0x2581 || (c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xff0f);
}

const CACHE_LIMIT = 300_000;
const MAX_CACHED_PIECE = 96;

export class BpePipeline {
  /** [mode] → matcher on the raw text (tokens with normalized=false) */
  private rawMatchers: [AddedTokenMatcher, AddedTokenMatcher];
  /** [mode] → matcher on normalized text (tokens with normalized=true and a normalizer present) */
  private normMatchers: [AddedTokenMatcher, AddedTokenMatcher];
  private cache = new Map<string, Int32Array>();
  private bytes = new Uint8Array(256);
  private units = new Uint32Array(256);
  private sym = new Int32Array(256);
  readonly splitMode: 'regex' | 'bigram' | 'none';

  constructor(readonly spec: PipelineSpec) {
    const raw = (special: boolean) =>
      spec.added.filter((t) => (special || !t.special) && !(t.normalized && spec.normalizer));
    const norm = (special: boolean) =>
      spec.added.filter((t) => (special || !t.special) && t.normalized && spec.normalizer);
    const normalizeContent = (t: AddedTokenSpec) => ({ content: spec.normalizer ? spec.normalizer.normalize(t.content).text : t.content, id: t.id });
    this.rawMatchers = [new AddedTokenMatcher(raw(false)), new AddedTokenMatcher(raw(true))];
    this.normMatchers = [new AddedTokenMatcher(norm(false).map(normalizeContent)), new AddedTokenMatcher(norm(true).map(normalizeContent))];
    const { pre, normalizer, model } = spec;
    if (pre.knownFamily && pre.levels.length > 0 && !pre.addPrefixSpace && (!normalizer || normalizer.local)) {
      this.splitMode = 'regex';
    } else if (!model.byteLevel && model.mergeBigrams && pre.levels.length === pre.singleCharSplits.length && (!normalizer || normalizer.unitMap)) {
      this.splitMode = 'bigram';
    } else {
      this.splitMode = 'none';
    }
  }

  /**
   * Whether text can be cut at i (0 < i < text.length) so that both sides encode independently.
   * Proofs: see splitPoints.ts.
   */
  isSplitPoint(text: string, i: number, special: boolean): boolean {
    const c1 = text.charCodeAt(i - 1);
    const c2 = text.charCodeAt(i);
    const m: Mode = special ? 1 : 0;
    if (this.rawMatchers[m].spans(c1, c2)) return false;
    if (this.splitMode === 'regex') {
      if (this.normMatchers[m].spans(c1, c2)) return false;
      if (c2 === 0x20) return !isWhitespaceUnit(c1);
      if (c1 === 0x0a && this.spec.pre.newlineSplits) return !isWhitespaceUnit(c2) && c2 !== 0x2f;
      return false;
    }
    if (this.splitMode === 'bigram') {
      const map = this.spec.normalizer?.unitMap;
      const n1 = map ? map(c1) : c1;
      const n2 = map ? map(c2) : c2;
      if (this.normMatchers[m].spans(n1, n2)) return false;
      const splits = this.spec.pre.singleCharSplits;
      if (splits.includes(n1) || splits.includes(n2)) return true;
      if (!isBoundaryChar(n1) && !isBoundaryChar(n2)) return false;
      return !this.spec.model.mergeBigrams!.has(n1 * 65536 + n2);
    }
    return false;
  }

  /** Encodes text[from, to) as if it were the whole text, without template tokens; appends to sink. */
  encodeRange(text: string, from: number, to: number, special: boolean, sink: TokenSink): void {
    const m: Mode = special ? 1 : 0;
    const matches = this.rawMatchers[m].scan(text, from, to);
    let cursor = from;
    for (const match of matches) {
      this.section(text, cursor, match.start, m, sink);
      sink.push(match.id, match.start, match.end);
      cursor = match.end;
    }
    this.section(text, cursor, to, m, sink);
  }

  private section(text: string, a: number, b: number, m: Mode, sink: TokenSink): void {
    if (a >= b) return;
    const raw = text.slice(a, b);
    const norm = this.spec.normalizer ? this.spec.normalizer.normalize(raw) : { text: raw, starts: null, ends: null };
    const s = norm.text;
    if (s.length === 0) return;
    const { starts, ends } = norm;
    const emit = (id: number, u0: number, u1: number): void => {
      if (starts && ends) sink.push(id, a + starts[u0], a + (u1 > u0 ? ends[u1 - 1] : starts[u0]));
      else sink.push(id, a + u0, a + u1);
    };
    const matches = this.normMatchers[m].scan(s, 0, s.length);
    let cursor = 0;
    for (const match of matches) {
      this.subsection(s, cursor, match.start, emit);
      emit(match.id, match.start, match.end);
      cursor = match.end;
    }
    this.subsection(s, cursor, s.length, emit);
  }

  private subsection(s: string, a: number, b: number, emit: (id: number, u0: number, u1: number) => void): void {
    if (a >= b) return;
    const sub = a === 0 && b === s.length ? s : s.slice(a, b);
    forEachPiece(this.spec.pre.levels, sub, (ps, pe) => {
      if (this.splitMode === 'bigram') this.wordPieces(sub, ps, pe, a, emit);
      else this.piece(sub.slice(ps, pe), a + ps, emit);
    });
  }

  /** Non-byte-level words (e.g. Gemma's whole text) are cut where no merge can span, then cached per part. */
  private wordPieces(sub: string, ps: number, pe: number, base: number, emit: (id: number, u0: number, u1: number) => void): void {
    const bigrams = this.spec.model.mergeBigrams!;
    let start = ps;
    for (let i = ps + 1; i < pe; i++) {
      const c1 = sub.charCodeAt(i - 1);
      const c2 = sub.charCodeAt(i);
      if ((isBoundaryChar(c1) || isBoundaryChar(c2)) && !bigrams.has(c1 * 65536 + c2)) {
        this.piece(sub.slice(start, i), base + start, emit);
        start = i;
      }
    }
    this.piece(sub.slice(start, pe), base + start, emit);
  }

  /** One BPE word: cached packed [id, relStart, relEnd]*. */
  private piece(p: string, base: number, emit: (id: number, u0: number, u1: number) => void): void {
    let packed = this.cache.get(p);
    if (packed === undefined) {
      packed = this.spec.model.byteLevel ? this.encodeBytePiece(p) : this.encodeCharPiece(p);
      if (p.length <= MAX_CACHED_PIECE) {
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(p, packed);
      }
    }
    for (let k = 0; k < packed.length; k += 3) emit(packed[k], base + packed[k + 1], base + packed[k + 2]);
  }

  private ensure(n: number): void {
    if (this.sym.length >= n) return;
    let cap = this.sym.length;
    while (cap < n) cap *= 2;
    this.bytes = new Uint8Array(cap);
    this.units = new Uint32Array(cap);
    this.sym = new Int32Array(cap);
  }

  private encodeBytePiece(p: string): Int32Array {
    const model = this.spec.model;
    this.ensure(p.length * 3 + 4);
    const { bytes, units, sym } = this;
    const n = utf8EncodeWithUnits(p, bytes, units);
    if (model.ignoreMerges) {
      let key = '';
      for (let i = 0; i < n; i++) key += BYTE_TO_CHAR[bytes[i]];
      const id = model.vocab.get(key);
      if (id !== undefined) return Int32Array.of(id, 0, p.length);
    }
    for (let i = 0; i < n; i++) sym[i] = model.byteIds[bytes[i]];
    bpeMerge(sym, n, model.table);
    const out: number[] = [];
    for (let i = 0; i < n; ) {
      let j = i + 1;
      while (j < n && sym[j] === ABSORBED) j++;
      const u0 = units[i];
      const last = units[j - 1];
      const u1 = last + unitLength(p, last);
      const id = sym[i];
      if (id >= 0) out.push(id, u0, u1);
      else if (model.unkId >= 0) out.push(model.unkId, u0, u1);
      i = j;
    }
    return Int32Array.from(out);
  }

  private encodeCharPiece(p: string): Int32Array {
    const model = this.spec.model;
    this.ensure(p.length + 4);
    const { sym, units } = this;
    let n = 0;
    for (let i = 0; i < p.length; ) {
      const w = unitLength(p, i);
      const id = model.vocab.get(w === 1 ? p[i] : p.slice(i, i + 2));
      sym[n] = id === undefined ? -1 : id;
      units[n++] = i;
      i += w;
    }
    bpeMerge(sym, n, model.table);
    const out: number[] = [];
    let lastUnk = false;
    for (let i = 0; i < n; ) {
      let j = i + 1;
      while (j < n && sym[j] === ABSORBED) j++;
      const u0 = units[i];
      const u1 = j < n ? units[j] : p.length;
      const id = sym[i];
      if (id >= 0) {
        out.push(id, u0, u1);
        lastUnk = false;
      } else {
        // a character outside the vocabulary (never merged): byte fallback, else <unk>
        const fb = model.byteFallbackIds;
        let done = false;
        if (fb) {
          const bytes = new TextEncoder().encode(p.slice(u0, u1));
          if (bytes.every((b) => fb[b] >= 0)) {
            for (const b of bytes) out.push(fb[b], u0, u1);
            done = true;
            lastUnk = false;
          }
        }
        if (!done && model.unkId >= 0) {
          if (model.fuseUnk && lastUnk) out[out.length - 1] = u1;
          else out.push(model.unkId, u0, u1);
          lastUnk = true;
        }
      }
      i = j;
    }
    return Int32Array.from(out);
  }
}
