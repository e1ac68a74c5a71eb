/** Character and word counts of a text, computed in the worker with its tokens. */
import type { TextEdit } from './protocol';

export interface TextCounts {
  characters: number;
  words: number;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13 || code === 12 || code === 11 || code === 0xa0 || code === 0x3000 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029;
}

/** 1 for the ASCII units that isSpace accepts: most of a text's units are looked up here */
const ASCII_SPACE = new Uint8Array(128);
for (const c of [9, 10, 11, 12, 13, 32]) ASCII_SPACE[c] = 1;

/**
 * Counts the characters and words that start at positions [from, to) of the text. Whether a position
 * starts a character (is not the low half of a surrogate pair) or a word (non-space after space)
 * depends only on that unit and the one before it, which is what makes edits countable locally.
 * Every unit is a character unless it is a low surrogate after a high one; ASCII units take a table lookup.
 */
function countRange(text: string, from: number, to: number): TextCounts {
  let characters = to - from;
  let words = 0;
  const before = from > 0 ? text.charCodeAt(from - 1) : -1;
  let prevSpace = before === -1 || isSpace(before);
  let prevHigh = before >= 0xd800 && before <= 0xdbff;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    let space: boolean;
    if (code < 128) {
      space = ASCII_SPACE[code] === 1;
      prevHigh = false;
    } else {
      if (prevHigh && code >= 0xdc00 && code <= 0xdfff) characters--;
      space = isSpace(code);
      prevHigh = code >= 0xd800 && code <= 0xdbff;
    }
    if (!space && prevSpace) words++;
    prevSpace = space;
  }
  return { characters, words };
}

/** Characters are Unicode code points (an emoji is one, not two UTF-16 units); words are runs of non-space. */
export function countText(text: string): TextCounts {
  return countRange(text, 0, text.length);
}

/**
 * The counts of `next` = `base` with `edit` applied, from the counts of `base`: only the positions
 * whose unit or whose predecessor changed are counted again (the edit plus one unit after it).
 */
export function countAfterEdit(base: string, baseCounts: TextCounts, edit: TextEdit, next: string): TextCounts {
  const before = countRange(base, edit.start, Math.min(base.length, edit.start + edit.deleteCount + 1));
  const after = countRange(next, edit.start, Math.min(next.length, edit.start + edit.insert.length + 1));
  return { characters: baseCounts.characters - before.characters + after.characters, words: baseCounts.words - before.words + after.words };
}
