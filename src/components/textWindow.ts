/**
 * The part of a large text that the editor shows. A browser lays out every character a text field
 * holds (about 0.3 s per megabyte in Chromium, on every change), so above LARGE_TEXT_CHARS the
 * field holds a window of the text and edits in it are mapped back onto the whole.
 */
export const LARGE_TEXT_CHARS = 100_000;
/**
 * The limit for the Generate lab's prompt: held whole, a 50,000-character prompt cost one 0.15–0.5 s task (profile:
 * the field's text shaping), against 100 ms. (The Analyse lab's text, like the tokenizer lab's, is windowed above
 * LARGE_TEXT_CHARS: a 200 KB text is; a 30,000-character one stays whole, so select-all and type replaces it.)
 */
export const LONG_FIELD_CHARS = 20_000;
/** small enough that the field lays a keystroke out in a millisecond or two (20,000 measured 21 ms keystroke-to-count, 8,000 15 ms) */
export const WINDOW_CHARS = 8_000;
/** how far a window edge may move to land on a line start */
const SNAP_CHARS = 1_000;

export interface TextWindow {
  start: number;
  end: number;
}

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** True when a cut at `i` would split a surrogate pair. */
function splitsPair(text: string, i: number): boolean {
  return i > 0 && i < text.length && isHigh(text.charCodeAt(i - 1)) && (text.charCodeAt(i) & 0xfc00) === 0xdc00;
}

/**
 * A window of about `size` units containing `pos`, centred on it where the text allows, cut at line
 * starts when one is near and never inside a surrogate pair.
 */
export function windowAround(text: string, pos: number, size = WINDOW_CHARS): TextWindow {
  const length = text.length;
  if (length <= size) return { start: 0, end: length };
  const at = Math.max(0, Math.min(length, pos));
  let start = Math.max(0, Math.min(at - (size >> 1), length - size));
  let end = Math.min(length, start + size);
  if (start > 0) {
    const nl = text.lastIndexOf('\n', start - 1);
    if (nl >= 0 && start - nl <= SNAP_CHARS) start = nl + 1;
    else if (splitsPair(text, start)) start--;
  }
  if (end < length) {
    const nl = text.indexOf('\n', end - 1);
    if (nl >= 0 && nl + 1 - end <= SNAP_CHARS) end = nl + 1;
    else if (splitsPair(text, end)) end++;
  }
  return { start, end };
}

/** The whole text as one window (small texts). */
export function wholeText(text: string): TextWindow {
  return { start: 0, end: text.length };
}
