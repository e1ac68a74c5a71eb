import { describe, expect, it } from 'vitest';
import { windowAround, WINDOW_CHARS } from './textWindow';
import { mulberry32 } from '../engine/tokenizers/testCorpus';

describe('windowAround', () => {
  it('contains the position, stays near the window size, starts on a line start and never splits a surrogate pair', () => {
    const rand = mulberry32(3);
    const line = 'Some words 🧩 and more words, then a newline.\n';
    const lines = line.repeat(5000);
    const noBreaks = '🧩ab'.repeat(40_000);
    for (const text of [lines, noBreaks]) {
      for (let k = 0; k < 200; k++) {
        const pos = Math.floor(rand() * (text.length + 1));
        const { start, end } = windowAround(text, pos);
        expect(start).toBeLessThanOrEqual(pos);
        expect(end).toBeGreaterThanOrEqual(pos);
        expect(end - start).toBeGreaterThanOrEqual(WINDOW_CHARS - 1);
        expect(end - start).toBeLessThanOrEqual(WINDOW_CHARS + 2_001);
        for (const cut of [start, end]) {
          if (cut > 0 && cut < text.length) expect((text.charCodeAt(cut) & 0xfc00) === 0xdc00 && (text.charCodeAt(cut - 1) & 0xfc00) === 0xd800).toBe(false);
        }
        if (text === lines && start > 0) expect(text[start - 1]).toBe('\n');
      }
    }
  });

  it('is the whole text when the text is small', () => {
    expect(windowAround('short', 3)).toEqual({ start: 0, end: 5 });
  });
});
