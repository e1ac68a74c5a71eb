/**
 * Unicode helpers shared by the tokenizer pipeline: whitespace tests and UTF-8
 * encoding that also records which UTF-16 code units each byte came from.
 */

/** 1 for BMP code units that are whitespace in either JS `\s` or Unicode White_Space (the union is the conservative choice for split-point proofs). */
const WHITESPACE = (() => {
  const table = new Uint8Array(65536);
  const js = /\s/;
  const uni = /\p{White_Space}/u;
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const ch = String.fromCharCode(c);
    if (js.test(ch) || uni.test(ch)) table[c] = 1;
  }
  return table;
})();

export function isWhitespaceUnit(code: number): boolean {
  return WHITESPACE[code] === 1;
}

/**
 * UTF-8 encodes `s` the way TextEncoder does (a lone surrogate becomes U+FFFD, EF BF BD).
 * Writes bytes into `bytes` and, for each byte, the index of its first UTF-16 unit into `unitStart`.
 * Returns the number of bytes.
 */
export function utf8EncodeWithUnits(s: string, bytes: Uint8Array, unitStart: Uint32Array): number {
  let n = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    let c = s.charCodeAt(i);
    const start = i;
    if (c < 0x80) {
      bytes[n] = c; unitStart[n++] = start;
      continue;
    }
    if (c < 0x800) {
      bytes[n] = 0xc0 | (c >> 6); unitStart[n++] = start;
      bytes[n] = 0x80 | (c & 63); unitStart[n++] = start;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        bytes[n] = 0xf0 | (c >> 18); unitStart[n++] = start;
        bytes[n] = 0x80 | ((c >> 12) & 63); unitStart[n++] = start;
        bytes[n] = 0x80 | ((c >> 6) & 63); unitStart[n++] = start;
        bytes[n] = 0x80 | (c & 63); unitStart[n++] = start;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate, as TextEncoder does
    bytes[n] = 0xe0 | (c >> 12); unitStart[n++] = start;
    bytes[n] = 0x80 | ((c >> 6) & 63); unitStart[n++] = start;
    bytes[n] = 0x80 | (c & 63); unitStart[n++] = start;
  }
  return n;
}

const encoder = new TextEncoder();
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Length in UTF-16 units of the code point starting at `i` (2 for a valid surrogate pair). */
export function unitLength(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}
