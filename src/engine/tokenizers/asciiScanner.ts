/**
 * Hand-written pre-tokenizers for ASCII text, for the regexes most text goes through (tiktoken's o200k_base,
 * cl100k_base, r50k_base; Llama 3's, which is cl100k_base's; Qwen's, which differs in taking one digit at a time).
 * The regex engine with Unicode classes is most of a full encode; plain English and code are mostly ASCII, where the
 * classes reduce to a few comparisons.
 *
 * A scanner returns where the regex's match starting at i ends, or -1 when it would have to look at a character
 * outside ASCII, an apostrophe (a possible contraction) or, where a `\s*[\r\n]+` alternative decides, a newline:
 * then the regex itself matches from i (the caller's fallback). Every scanner follows its regex's alternatives in
 * order, reading only ASCII, so where it answers its answer is the regex's (asciiScanner.test.ts compares them on
 * random text).
 */

export type ScannerKind = 'o200k' | 'cl100k' | 'qwen' | 'r50k';

export type Scanner = (s: string, i: number) => number;

// ASCII classes: 1 upper, 2 lower, 3 digit, 4 whitespace (\t \n \v \f \r space), 5 anything else (punctuation,
// symbols, controls); \r and \n are told apart where a pattern does
const UPPER = 1;
const LOWER = 2;
const DIGIT = 3;
const SPACE = 4;
const OTHER = 5;
const CLASS = new Uint8Array(128).fill(OTHER);
for (let c = 65; c <= 90; c++) CLASS[c] = UPPER;
for (let c = 97; c <= 122; c++) CLASS[c] = LOWER;
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
for (const c of [9, 10, 11, 12, 13, 32]) CLASS[c] = SPACE;

const APOSTROPHE = 39;
const CR = 13;
const LF = 10;
const SLASH = 47;
/** a unit outside ASCII: its class is unknown here */
const UNKNOWN = 0;

function classAt(s: string, j: number): number {
  const c = s.charCodeAt(j);
  return c < 128 ? CLASS[c] : UNKNOWN;
}

/** End of the run of ASCII units of class `a` or `b` from j, or -1 if it stops at a unit outside ASCII. */
function run(s: string, j: number, a: number, b: number): number {
  const n = s.length;
  for (; j < n; j++) {
    const k = classAt(s, j);
    if (k === UNKNOWN) return -1;
    if (k !== a && k !== b) return j;
  }
  return n;
}

/** `\p{L}+` from j */
const letters = (s: string, j: number): number => run(s, j, UPPER, LOWER);
/** `\p{N}+` from j */
const digitRun = (s: string, j: number): number => run(s, j, DIGIT, DIGIT);
/** `[^\s\p{L}\p{N}]+` from j */
const others = (s: string, j: number): number => run(s, j, OTHER, OTHER);

/** End of a run of at most `max` digits from i (`\p{N}{1,max}`; i is a digit), or -1. */
function digits(s: string, i: number, max: number): number {
  const n = s.length;
  let j = i + 1;
  while (j < n && j - i < max) {
    const k = classAt(s, j);
    if (k === UNKNOWN) return -1;
    if (k !== DIGIT) break;
    j++;
  }
  return j;
}

/** Then `[\r\n]*` (with '/' too: o200k's `[\r\n/]*`). */
function trailing(s: string, j: number, slash: boolean): number {
  const n = s.length;
  for (; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c !== CR && c !== LF && !(slash && c === SLASH)) break;
  }
  return j;
}

/** o200k's two word alternatives from j (a letter): `U*L+` or else `U+L*`, contraction aside. */
function o200kWord(s: string, j: number): number {
  const n = s.length;
  let u = j;
  for (; u < n; u++) {
    const k = classAt(s, u);
    if (k === UNKNOWN) return -1;
    if (k !== UPPER) break;
  }
  let l = u;
  for (; l < n; l++) {
    const k = classAt(s, l);
    if (k === UNKNOWN) return -1;
    if (k !== LOWER) break;
  }
  // a contraction may follow either alternative
  if (l < n && s.charCodeAt(l) === APOSTROPHE) return -1;
  return l;
}

/**
 * The patterns that start with a word of letters after an optional character that is no newline, letter or digit,
 * then take up to `digitsMax` digits, then ` ?[^\s\p{L}\p{N}]+` and a trailing class, then whitespace:
 * cl100k_base / Llama 3 (`digitsMax` 3) and Qwen (1), with `word` = `\p{L}+` and trailing `[\r\n]*`:
 *   `'(?i:s|t|re|ve|m|ll|d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
 * o200k_base, with `word` = o200kWord and trailing `[\r\n/]*`:
 *   `[^\r\n\p{L}\p{N}]?U*L+C?|[^\r\n\p{L}\p{N}]?U+L*C?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
 *   (U: upper, titlecase, modifier, other letters and marks; L: lower, modifier, other letters and marks; C: a contraction).
 */
function prefixedWordScanner(word: (s: string, j: number) => number, digitsMax: number, slash: boolean): Scanner {
  return (s, i) => {
    const c = s.charCodeAt(i);
    if (c >= 128 || c === APOSTROPHE || c === CR || c === LF) return -1;
    const k = CLASS[c];
    if (k === UPPER || k === LOWER) return word(s, i);
    if (k === DIGIT) return digits(s, i, digitsMax);
    // c may be the optional first character of a word (anything but \r \n, letters, digits)
    if (i + 1 >= s.length) return i + 1; // alone at the end: `\s+(?!\S)` or `[^\s\p{L}\p{N}]+`
    const d = classAt(s, i + 1);
    if (d === UNKNOWN) return -1;
    if (d === UPPER || d === LOWER) return word(s, i + 1);
    if (k === SPACE) {
      // ' ' + other: ` ?[^\s\p{L}\p{N}]+` and the trailing class; else only the whitespace alternatives are left
      if (c === 32 && d === OTHER) {
        const e = others(s, i + 2);
        return e < 0 ? -1 : trailing(s, e, slash);
      }
      return spaces(s, i, false);
    }
    const e = others(s, i + 1);
    return e < 0 ? -1 : trailing(s, e, slash);
  };
}

/** r50k_base (GPT-2): `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` */
const r50kScanner: Scanner = (s, i) => {
  const c = s.charCodeAt(i);
  if (c >= 128 || c === APOSTROPHE) return -1;
  const k = CLASS[c];
  if (k === UPPER || k === LOWER) return letters(s, i + 1);
  if (k === DIGIT) return digitRun(s, i + 1);
  if (k === OTHER) return others(s, i + 1);
  if (c === 32 && i + 1 < s.length) {
    const d = classAt(s, i + 1);
    if (d === UNKNOWN) return -1;
    if (d === UPPER || d === LOWER) return letters(s, i + 2);
    if (d === DIGIT) return digitRun(s, i + 2);
    if (d === OTHER) return others(s, i + 2);
  }
  return spaces(s, i, true);
};

/**
 * A run of whitespace from i where no alternative before `\s+(?!\S)|\s+` matched: all of it at the end of the
 * text, else all but its last unit (which the next match may take as its leading space), else (one unit) that unit.
 * `newlines` false: the pattern has a `\s*[\r\n]+` alternative first, so a run holding \r or \n goes to the regex.
 */
function spaces(s: string, i: number, newlines: boolean): number {
  const n = s.length;
  let j = i;
  for (; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c >= 128) return -1;
    if (CLASS[c] !== SPACE) break;
    if (!newlines && (c === CR || c === LF)) return -1;
  }
  if (j === n) return n;
  return j - i >= 2 ? j - 1 : i + 1;
}

export function asciiScanner(kind: ScannerKind): Scanner {
  switch (kind) {
    case 'o200k':
      return prefixedWordScanner(o200kWord, 3, true);
    case 'cl100k':
      return prefixedWordScanner(letters, 3, false);
    case 'qwen':
      return prefixedWordScanner(letters, 1, false);
    case 'r50k':
      return r50kScanner;
  }
}
