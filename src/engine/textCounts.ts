/** Character and word counts of a text, computed in the worker with its tokens. */
export interface TextCounts {
  characters: number;
  words: number;
}

/** Characters are Unicode code points (an emoji is one, not two UTF-16 units); words are runs of non-space. */
export function countText(text: string): TextCounts {
  let characters = 0;
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!(code >= 0xdc00 && code <= 0xdfff && i > 0 && (text.charCodeAt(i - 1) & 0xfc00) === 0xd800)) characters++;
    const space = code === 32 || code === 10 || code === 9 || code === 13 || code === 12 || code === 11 || code === 0xa0 || code === 0x3000 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029;
    if (space) inWord = false;
    else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  return { characters, words };
}
