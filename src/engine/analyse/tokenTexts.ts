/**
 * The texts of an analysis's tokens, packed: one string and where each token's text ends in it. A 200 KB text has
 * about 70,000 tokens; as 70,000 strings the result took tens of milliseconds to deserialise on the UI thread, as one
 * string and one transferable array it takes none, and the UI slices out only the texts it draws.
 * Dependency-free: the worker packs, the UI (and the export reader) read.
 */

export interface PackedTexts {
  /** every token's text, one after another */
  joined: string;
  /** ends[i]: where token i's text ends in `joined` (it starts where token i − 1's ends, token 0's at 0) */
  ends: Uint32Array;
}

export function packTexts(texts: readonly string[]): PackedTexts {
  const ends = new Uint32Array(texts.length);
  let at = 0;
  for (let i = 0; i < texts.length; i++) ends[i] = at += texts[i].length;
  return { joined: texts.join(''), ends };
}

/** How many tokens the texts are for. */
export function textCount(t: PackedTexts): number {
  return t.ends.length;
}

/** Token i's text; '' for an index out of range. */
export function textAt(t: PackedTexts, i: number): string {
  if (!(i >= 0 && i < t.ends.length)) return '';
  return t.joined.slice(i === 0 ? 0 : t.ends[i - 1], t.ends[i]);
}

/** The texts of tokens [from, to), each its own string. */
export function textsIn(t: PackedTexts, from = 0, to = t.ends.length): string[] {
  const out: string[] = [];
  for (let i = Math.max(0, from); i < Math.min(to, t.ends.length); i++) out.push(textAt(t, i));
  return out;
}

/** Whether token i's text ends a line (ends with '\n'), read without slicing it out. */
export function endsLine(t: PackedTexts, i: number): boolean {
  const end = t.ends[i];
  return end > (i === 0 ? 0 : t.ends[i - 1]) && t.joined.charCodeAt(end - 1) === 10;
}
