/**
 * The learned merge table (pairs found as the encoder meets them) answers exactly as the table built up front from
 * every cut of every token (the way it was built before), on r50k_base's 50k tokens.
 */
import { describe, expect, it } from 'vitest';
import { bytesToByteLevel } from './byteLevel';
import { LearnedMergeTable, MergeTable } from './mergeTable';
import { loadOpenAiRanks } from './openaiEncodings';
import { mulberry32 } from './testCorpus';
import { utf8 } from './unicode';

describe('LearnedMergeTable', () => {
  it('gives the same merge as the up-front table for every token pair, and none where there is none', async () => {
    const ranks = await loadOpenAiRanks('r50k_base');
    const keys = ranks.map((t) => bytesToByteLevel(typeof t === 'string' ? utf8(t) : Uint8Array.from(t)));
    const vocab = new Map(keys.map((k, rank) => [k, rank]));
    const upFront = new MergeTable(ranks.length * 4);
    const pairs: [number, number][] = [];
    keys.forEach((k, rank) => {
      for (let cut = 1; cut < k.length; cut++) {
        const left = vocab.get(k.slice(0, cut));
        const right = vocab.get(k.slice(cut));
        if (left !== undefined && right !== undefined) {
          upFront.add(left, right, rank, rank);
          pairs.push([left, right]);
        }
      }
    });
    const learned = new LearnedMergeTable(16, (a, b) => vocab.get(keys[a] + keys[b]) ?? -1);
    const random = mulberry32(7);
    for (let i = 0; i < 20_000; i++) pairs.push([Math.floor(random() * keys.length), Math.floor(random() * keys.length)]);
    let merges = 0;
    for (const [a, b] of [...pairs, ...pairs]) {
      const expected = upFront.find(a, b);
      const got = learned.find(a, b);
      expect(got >= 0).toBe(expected >= 0);
      if (expected >= 0) {
        merges++;
        expect([learned.rankAt(got), learned.mergedAt(got)]).toEqual([upFront.rankAt(expected), upFront.mergedAt(expected)]);
      }
    }
    expect(merges).toBeGreaterThan(50_000);
  });
});
