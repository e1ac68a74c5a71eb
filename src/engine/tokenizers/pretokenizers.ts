/**
 * Pre-tokenizers: the regex splits that cut text into words before BPE.
 * Regexes are compiled by @huggingface/tokenizers' own Oniguruma→JS rewriter, so the pieces are
 * the same as those of the reference implementation.
 */
import { SplitPreTokenizer, ByteLevelPreTokenizer } from '@huggingface/tokenizers';
import { UnsupportedConfigError } from './normalizers';
import type { ScannerKind } from './asciiScanner';

export interface SplitLevel {
  regex: RegExp;
  /** true: unmatched text between matches is kept as its own piece (Isolated); false: only matches are kept */
  keepGaps: boolean;
}

export interface PreTokenizer {
  levels: SplitLevel[];
  byteLevel: boolean;
  addPrefixSpace: boolean;
  /** every level is a regex whose split points we have proved (see BpePipeline.isSplitPoint) */
  knownFamily: boolean;
  /** knownFamily and every regex has a `\s*[\r\n]+` alternative, so a cut after '\n' before a non-space is proved too (not GPT-2's pattern) */
  newlineSplits: boolean;
  /** single-character String splits (e.g. Gemma's split on ' '): the split char, else null */
  singleCharSplits: number[];
  /** the only level's regex has a hand-written ASCII scanner (asciiScanner.ts) of this kind */
  scanner?: ScannerKind;
}

/** Oniguruma patterns (as written in tokenizer.json) whose split points are proved at BpePipeline.isSplitPoint. */
/** Llama 3's pattern (cl100k_base's) and Qwen's: they have hand-written ASCII scanners. */
const LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const SCANNED_HF_PATTERNS = new Map<string, ScannerKind>([
  [LLAMA3_PATTERN, 'cl100k'],
  [QWEN_PATTERN, 'qwen'],
]);

const KNOWN_HF_PATTERNS = new Set<string>([
  // Llama 3
  LLAMA3_PATTERN,
  // Qwen 2 / 2.5 / 3
  QWEN_PATTERN,
  // DeepSeek V3
  '\\p{N}{1,3}',
  '[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+',
  "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
]);

interface PreTokenizerConfig {
  type: string;
  pretokenizers?: PreTokenizerConfig[];
  pattern?: { String?: string; Regex?: string };
  behavior?: string;
  invert?: boolean;
  add_prefix_space?: boolean;
  use_regex?: boolean;
}

export function createPreTokenizer(config: unknown): PreTokenizer {
  const result: PreTokenizer = { levels: [], byteLevel: false, addPrefixSpace: false, knownFamily: true, newlineSplits: true, singleCharSplits: [] };
  const add = (c: PreTokenizerConfig | null | undefined): void => {
    if (!c) return;
    if (result.byteLevel) throw new UnsupportedConfigError('pre-tokenizer after ByteLevel');
    switch (c.type) {
      case 'Sequence':
        for (const x of c.pretokenizers ?? []) add(x);
        return;
      case 'Split': {
        const behavior = (c.behavior ?? '').toLowerCase();
        if (behavior === 'removed') throw new UnsupportedConfigError('Split with behavior Removed');
        const split = new SplitPreTokenizer(c as never) as unknown as { pattern: RegExp | null };
        if (!split.pattern) throw new UnsupportedConfigError('Split without pattern');
        result.levels.push({ regex: split.pattern, keepGaps: !c.invert });
        if (c.pattern?.Regex !== undefined) {
          if (!KNOWN_HF_PATTERNS.has(c.pattern.Regex)) result.knownFamily = false;
          // a scanner stands for the whole pre-tokenizer only when its regex is the one level (directSection checks)
          result.scanner = result.levels.length === 1 ? SCANNED_HF_PATTERNS.get(c.pattern.Regex) : undefined;
        } else if (c.pattern?.String !== undefined && c.pattern.String.length === 1 && !c.invert) {
          result.singleCharSplits.push(c.pattern.String.charCodeAt(0));
          result.knownFamily = false;
        } else {
          result.knownFamily = false;
        }
        return;
      }
      case 'ByteLevel': {
        result.byteLevel = true;
        result.addPrefixSpace = c.add_prefix_space ?? false;
        if (c.use_regex ?? true) {
          const bl = new ByteLevelPreTokenizer(c as never) as unknown as { pattern: RegExp };
          result.levels.push({ regex: bl.pattern, keepGaps: false });
          result.newlineSplits = false; // GPT-2's pattern: '\n\n' at the end of a part is one piece, before a letter two
        }
        return;
      }
      default:
        throw new UnsupportedConfigError(`pre-tokenizer ${c.type}`);
    }
  };
  add(config as PreTokenizerConfig | null);
  return result;
}

/** Calls emit(start, end) for each piece of s[0..len) after all split levels. */
export function forEachPiece(levels: readonly SplitLevel[], s: string, emit: (start: number, end: number) => void): void {
  if (levels.length === 0) {
    if (s.length > 0) emit(0, s.length);
    return;
  }
  splitLevel(levels, 0, s, 0, emit);
}

function splitLevel(
  levels: readonly SplitLevel[],
  level: number,
  s: string,
  base: number,
  emit: (start: number, end: number) => void,
): void {
  const { regex, keepGaps } = levels[level];
  const last = level === levels.length - 1;
  forEachMatch(regex, keepGaps, s, last ? (p, start) => emit(base + start, base + start + p.length) : (p, start) => splitLevel(levels, level + 1, p, base + start, emit));
}

/** Calls visit(piece, start) for each piece one split level cuts s into: the regex's matches, and the gaps between them if kept. */
export function forEachMatch(regex: RegExp, keepGaps: boolean, s: string, visit: (piece: string, start: number) => void): void {
  regex.lastIndex = 0;
  let prevEnd = 0;
  for (;;) {
    const m = regex.exec(s);
    if (m === null) break;
    const start = m.index;
    const p = m[0];
    if (p.length === 0) {
      // like regex_split in the reference: an empty match still ends the gap before it
      if (keepGaps && prevEnd < start) visit(s.slice(prevEnd, start), prevEnd);
      prevEnd = Math.max(prevEnd, start);
      regex.lastIndex = start + 1;
      continue;
    }
    if (keepGaps && prevEnd < start) visit(s.slice(prevEnd, start), prevEnd);
    visit(p, start);
    prevEnd = start + p.length;
  }
  if (keepGaps && prevEnd < s.length) visit(s.slice(prevEnd), prevEnd);
  regex.lastIndex = 0;
}
