import { describe, expect, it } from 'vitest';
import { fitPrompt, type FitTokenizer } from './promptFit';

/** one token per word (and one per BOS when asked) */
const words: FitTokenizer = { count: (t, special) => (t.match(/\S+/g)?.length ?? 0) + (special ? 1 : 0) };

describe('prompt fit', () => {
  it('a prompt shorter than the window fits', () => {
    expect(fitPrompt(words, 'a b c', true, 8, 32)).toEqual({ tokens: 4, contextWindow: 8, keep: null });
  });

  it('a prompt longer than the window keeps its last tokens, leaving room for the new ones', () => {
    const text = Array.from({ length: 500 }, (_, i) => `w${i}`).join(' ');
    const fit = fitPrompt(words, text, true, 256, 32);
    expect(fit.tokens).toBe(501);
    expect(fit.keep).not.toBeNull();
    const kept = text.slice(fit.keep!.from);
    expect(fit.keep!.tokens).toBe(224);
    expect(words.count(kept, true)).toBe(224);
    expect(kept.endsWith('w499')).toBe(true);
    // the longest end that fits: one more character would be one token too many
    expect(words.count(text.slice(fit.keep!.from - 2), true)).toBeGreaterThan(224);
  });

  it('max new tokens as large as the window still keeps one token', () => {
    const text = 'a '.repeat(300);
    const fit = fitPrompt(words, text, false, 256, 5000);
    expect(fit.keep!.tokens).toBe(1);
  });

  it('never starts between the halves of a surrogate pair', () => {
    const perChar: FitTokenizer = { count: (t) => t.length };
    const text = '😀'.repeat(200);
    const fit = fitPrompt(perChar, text, false, 100, 1);
    expect(fit.keep!.from % 2).toBe(0);
  });
});
