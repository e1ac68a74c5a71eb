import { describe, expect, it } from 'vitest';
import { loadBuiltinTokenizer, type BuiltinTokenizerId } from './tokenizers';
import { nodeSource } from './tokenizers/nodeSources';
import { Mulberry32 } from './sampling/rng';
import { packEncoding, repackEdit } from './tokenizerService';
import type { TokenizedPayload } from './protocol';

const PIECES = ['The quick brown fox ', 'jumps', ' over ', '日本語', '🧩', '👨‍👩‍👧', '\n', '  ', '\t', '12345', 'don\'t', '<|endoftext|>', 'x', 'é'];

function randomText(rng: Mulberry32, length: number): string {
  let s = '';
  while (s.length < length) s += PIECES[Math.floor(rng.next() * PIECES.length)];
  return s;
}

function plain(p: TokenizedPayload) {
  return { ids: [...p.ids], offsets: [...p.offsets], byteEnds: [...p.byteEnds], bytes: [...p.bytes], special: [...p.special] };
}

describe('packing an edit reuses the untouched tokens', () => {
  for (const id of ['o200k_base', 'gemma3'] as BuiltinTokenizerId[]) {
    it(`${id}: the repacked payload equals packing the whole new encoding, edit after edit`, async () => {
      const tok = await loadBuiltinTokenizer(id, nodeSource);
      const rng = new Mulberry32(7);
      for (const specialTokens of [false, true]) {
        const session = tok.createSession({ specialTokens });
        let text = randomText(rng, 3000);
        let last = packEncoding(tok, session.update(text));
        let reused = 0;
        for (let edit = 0; edit < 60; edit++) {
          const at = Math.floor(rng.next() * (text.length + 1));
          const del = rng.next() < 0.4 ? Math.floor(rng.next() * 4) : 0;
          const ins = rng.next() < 0.7 ? PIECES[Math.floor(rng.next() * PIECES.length)] : '';
          text = text.slice(0, at) + ins + text.slice(at + del);
          const next = session.update(text);
          const repacked = repackEdit(tok, last, next);
          // without the session's account of what it kept, the unchanged tokens are found by comparing
          const compared = repackEdit(tok, last, { ...next, kept: undefined });
          const full = packEncoding(tok, next);
          if (repacked) {
            reused++;
            expect(plain(repacked)).toEqual(plain(full));
          }
          if (compared) expect(plain(compared)).toEqual(plain(full));
          last = repacked ?? full;
        }
        expect(reused).toBeGreaterThan(40);
      }
    });
  }
});
