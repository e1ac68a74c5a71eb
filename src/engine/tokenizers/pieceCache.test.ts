import { describe, expect, it } from 'vitest';
import { PieceCache } from './pieceCache';
import { mulberry32 } from './testCorpus';

const UNITS = ['a', 'b', ' ', 'é', '\uD83D', '\uDE00', '日', '\n'];

describe('PieceCache', () => {
  it('answers as a Map keyed by the piece would, for pieces read in place, through growth and emptying', () => {
    const rand = mulberry32(3);
    const limit = 5000;
    const cache = new PieceCache(limit);
    const map = new Map<string, Int32Array>();
    let text = '';
    while (text.length < 200_000) text += UNITS[Math.floor(rand() * UNITS.length)];
    let hits = 0;
    for (let n = 0; n < 60_000; n++) {
      const i = Math.floor(rand() * (text.length - 8));
      const j = i + Math.floor(rand() * 7); // empty pieces too
      const key = text.slice(i, j);
      const want = map.get(key);
      expect(cache.get(text, i, j)).toBe(want);
      if (want) hits++;
      else {
        if (map.size >= limit) map.clear();
        const value = Int32Array.of(n);
        map.set(key, value);
        cache.set(text, i, j, value);
      }
      expect(cache.size).toBe(map.size);
    }
    // short pieces of a small alphabet repeat: most lookups hit, and some found a piece stored at another place
    expect(hits).toBeGreaterThan(30_000);
  });

  it('tells apart pieces with the same units in another order and pieces that are prefixes of others', () => {
    const cache = new PieceCache(100);
    const s = 'abba ab abb';
    cache.set(s, 0, 2, Int32Array.of(1)); // ab
    cache.set(s, 1, 3, Int32Array.of(2)); // bb
    cache.set(s, 0, 3, Int32Array.of(3)); // abb
    expect(cache.get(s, 2, 4)?.[0]).toBeUndefined(); // ba
    expect(cache.get(s, 5, 7)?.[0]).toBe(1);
    expect(cache.get(s, 8, 11)?.[0]).toBe(3);
    expect(cache.get(s, 9, 11)?.[0]).toBe(2);
    expect(cache.get(s, 8, 9)).toBeUndefined(); // a
  });
});
