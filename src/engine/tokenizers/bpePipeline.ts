/**
 * The fast, exact tokenizer pipeline shared by OpenAI encodings and Hugging Face BPE tokenizers:
 * added tokens → normalizer → pre-tokenizer → BPE (with a per-piece cache) → ids + offsets.
 */
import { AddedTokenMatcher } from './addedTokens';
import { asciiScanner, type Scanner } from './asciiScanner';
import { ABSORBED, bpeMerge } from './bpe';
import { MergeTable } from './mergeTable';
import { PieceCache } from './pieceCache';
import type { Normalizer } from './normalizers';
import { forEachMatch, forEachPiece, type PreTokenizer } from './pretokenizers';
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
  /** directSection's cache: pieces looked up in place in the text (pieceCache.ts) */
  private readonly pieces = new PieceCache(CACHE_LIMIT);
  private bytes = new Uint8Array(256);
  private units = new Uint32Array(256);
  private sym = new Int32Array(256);
  readonly splitMode: 'regex' | 'bigram' | 'none';
  /** no normalizer and a single regex level: sections take directSection */
  private readonly direct: boolean;
  /** for a direct pipeline whose regex has a hand-written ASCII scanner: the scanner, and the regex made sticky */
  private readonly scanner: Scanner | null = null;
  private readonly sticky: RegExp | null = null;

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
    this.direct = !normalizer && pre.levels.length === 1 && this.splitMode !== 'bigram';
    if (this.direct && pre.scanner) {
      this.scanner = asciiScanner(pre.scanner);
      const { regex } = pre.levels[0];
      this.sticky = new RegExp(regex.source, regex.flags.replace('g', '') + 'y');
    }
  }

  /**
   * Whether text can be cut at i (0 < i < text.length) so that both sides encode independently: the pieces (and so
   * the tokens) of text[0, i) and of text[i, end), each encoded alone, are those of the whole text. Incremental
   * sessions re-encode between such points; parallel encoding (tokenizerPool.ts) cuts a large text at them.
   *
   * Added tokens: `spans(c1, c2)` is true when some added token's content holds c1 followed by c2; otherwise no
   * occurrence of an added token crosses the cut, and both sides find the same ones.
   *
   * 'regex' mode (tiktoken's o200k_base, cl100k_base, r50k_base; Llama 3, Qwen 2/2.5/3, DeepSeek V3: the patterns
   * of KNOWN_HF_PATTERNS and OPENAI_PATTERNS; no normalizer, or one that maps each character on its own). None of
   * these patterns looks behind, so the pieces of text[i, end) are those of the whole text from i on, once a piece of
   * the whole text starts at i. And their alternatives together match every character, so a piece starts at i
   * exactly when no piece holds both text[i-1] and text[i]. What remains is that text[0, i) alone gives the pieces of
   * the whole text before i: a match attempt that reads past i-1 has consumed c1 = text[i-1] and reads c2 = text[i];
   * where nothing in the pattern can consume c2 after c1, it stops there as it stops at the end of the text, and the
   * only construct that tells "c2" from "the end" otherwise is the lookahead (?!\S).
   *  (a) c2 = ' ' and c1 not whitespace. A space occurs in a piece only as its first character (` ?X`,
   *      `[^\r\n\p{L}\p{N}]?X`, DeepSeek's `[^\r\n\p{L}\p{P}\p{S}]?X`) or inside an all-whitespace piece
   *      (`\s*[\r\n]+`, `\s+(?!\S)`, `\s+`); the trailing classes `[\r\n]*` and o200k's `[\r\n/]*` hold no
   *      space. So no piece holds "c1 ' '", no attempt consumes ' ' after c1, and (?!\S) only follows whitespace,
   *      which never includes c1: both sides split as the whole.
   *  (b) c1 = '\n' and c2 neither whitespace nor '/', for the patterns with a `\s*[\r\n]+` alternative (all but
   *      r50k_base / GPT-2's, flagged by `newlineSplits`). A '\n' occurs in a piece only inside whitespace pieces or
   *      in a trailing `[\r\n]*` (o200k: `[\r\n/]*`, hence c2 ≠ '/'), which cannot go on with c2: no piece holds
   *      "'\n' c2". The piece that holds c1: a trailing class stops at c2 as at the end. A whitespace piece starting
   *      at s: the whitespace from s runs up to c1 = '\n', the alternatives before `\s*[\r\n]+` need a non-space
   *      after at most one leading character (which would be c1 itself, and '\n' is excluded from those leading
   *      classes), so `\s*[\r\n]+` matches, greedily, exactly [s, i) in both texts — it comes before the
   *      lookahead alternative `\s+(?!\S)`, which is never tried. GPT-2's pattern has no such alternative: there
   *      "x\n\nA" gives "\n", "\n" but "x\n\n" gives "\n\n", so r50k_base is not cut after a newline.
   * Every other pair is refused ('regex' mode proves nothing else). splitEncode.test.ts fuzzes all of this.
   *
   * 'bigram' mode (non-byte-level models whose words are cut only at single characters, e.g. Gemma): a cut next to
   * a split character, or between two characters of which one is a boundary character and whose pair occurs in no
   * merge, is where the pre-tokenizer cuts anyway or where no merge can join the sides.
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
    if (this.direct) {
      this.directSection(text, a, b, sink);
      return;
    }
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

  /**
   * The common case (every OpenAI encoding, Llama 3, Qwen, …): no normalizer and one regex level. The same pieces as
   * section → subsection → forEachPiece → piece, without the closures and the second copy of each piece, and with the
   * tokens written straight into the sink: this loop is most of a full encode.
   */
  private directSection(text: string, a: number, b: number, sink: TokenSink): void {
    const s = a === 0 && b === text.length ? text : text.slice(a, b);
    const { regex, keepGaps } = this.spec.pre.levels[0];
    const scan = this.scanner;
    const sticky = this.sticky;
    if (!scan || !sticky) {
      forEachMatch(regex, keepGaps, s, (p, start) => this.directPiece(p, 0, p.length, a + start, sink));
      return;
    }
    // the scanner's patterns match every character and never match empty, look behind or leave gaps: the match
    // at i is where the previous one ended, and the sticky regex finds it where the scanner cannot
    for (let i = 0; i < s.length; ) {
      let j = scan(s, i);
      if (j < 0) {
        sticky.lastIndex = i;
        const m = sticky.exec(s);
        if (m === null || m[0].length === 0) {
          forEachMatch(regex, keepGaps, s.slice(i), (p, start) => this.directPiece(p, 0, p.length, a + i + start, sink));
          return;
        }
        j = i + m[0].length;
      }
      this.directPiece(s, i, j, a + i, sink);
      i = j;
    }
  }

  /** The tokens of the piece s[i, j) into the sink, its offsets counted from `base`. */
  private directPiece(s: string, i: number, j: number, base: number, sink: TokenSink): void {
    const cached = j - i <= MAX_CACHED_PIECE;
    let packed = cached ? this.pieces.get(s, i, j) : undefined;
    if (packed === undefined) {
      const p = s.slice(i, j);
      packed = this.spec.model.byteLevel ? this.encodeBytePiece(p) : this.encodeCharPiece(p);
      if (cached) this.pieces.set(s, i, j, packed);
    }
    if (packed.length === 3) {
      sink.push(packed[0], base + packed[1], base + packed[2]);
      return;
    }
    for (let k = 0; k < packed.length; k += 3) sink.push(packed[k], base + packed[k + 1], base + packed[k + 2]);
  }

  private encodeAndCache(p: string): Int32Array {
    const packed = this.spec.model.byteLevel ? this.encodeBytePiece(p) : this.encodeCharPiece(p);
    if (p.length <= MAX_CACHED_PIECE) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(p, packed);
    }
    return packed;
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
    const packed = this.cache.get(p) ?? this.encodeAndCache(p);
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
