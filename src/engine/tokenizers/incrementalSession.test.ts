import { describe, expect, it } from 'vitest';
import { loadBuiltinTokenizer, BUILTIN_TOKENIZERS } from './index';
import { nodeSource } from './nodeSources';
import { fuzzText, mixedText, mulberry32 } from './testCorpus';
import type { SessionEdit } from './types';

const INSERTS = [' ', '  ', '\n', '\n\n', 'a', 'the ', 'é', 'e\u0301', '👍', '\uD83D', '\uDC4D', '日本', '<|endoftext|>', '<bos>', '\t', '.', '1', '/'];

/** A random insertion, deletion or replacement, as the edited text and the edit (not always minimal). */
function randomEdit(text: string, rand: () => number): { text: string; edit: SessionEdit } {
  const at = Math.floor(rand() * (text.length + 1));
  const kind = rand();
  const ins = INSERTS[Math.floor(rand() * INSERTS.length)];
  const len = kind < 0.4 ? 0 : Math.min(text.length - at, 1 + Math.floor(rand() * 4));
  const insert = kind < 0.4 || kind >= 0.75 ? ins : '';
  return { text: text.slice(0, at) + insert + text.slice(at + len), edit: { base: text, start: at, deleteCount: len, insert } };
}

for (const { id } of BUILTIN_TOKENIZERS) {
  describe(`${id} incremental session`, () => {
    for (const special of [false, true]) {
      it(`equals a full encode after every random edit (${special ? 'special tokens' : 'plain text'})`, async () => {
        const tok = await loadBuiltinTokenizer(id, nodeSource);
        const rand = mulberry32(special ? 7 : 3);
        for (let doc = 0; doc < 6; doc++) {
          const session = tok.createSession({ specialTokens: special });
          let text = doc % 2 ? fuzzText(doc * 31 + 1, 400) : mixedText(1500, doc);
          session.update(text);
          for (let step = 0; step < 40; step++) {
            const next = randomEdit(text, rand);
            // odd steps say what changed (as the lab's worker does), even steps let the session compare
            const got = session.update(next.text, step % 2 ? next.edit : undefined);
            text = next.text;
            const want = tok.encode(text, { specialTokens: special });
            expect(Array.from(got.ids), JSON.stringify(text)).toEqual(Array.from(want.ids));
            expect(Array.from(got.offsets)).toEqual(Array.from(want.offsets));
          }
        }
      });
    }

    it('re-encodes only a small region after a one-character edit in a long text', async () => {
      const tok = await loadBuiltinTokenizer(id, nodeSource);
      const session = tok.createSession();
      const text = mixedText(200_000, 9);
      session.update(text);
      const at = text.indexOf(' the ', 100_000) + 2;
      const edited = text.slice(0, at) + 'x' + text.slice(at);
      const r = session.update(edited);
      expect(r.reencodedTo - r.reencodedFrom).toBeLessThan(200);
      expect(Array.from(r.ids)).toEqual(Array.from(tok.encode(edited).ids));
    });

    it('an edit that does not belong to its text is not trusted', async () => {
      const tok = await loadBuiltinTokenizer(id, nodeSource);
      const session = tok.createSession();
      session.update('one two three');
      // claims an insertion at 0 into another text; the session compares the texts instead
      const r = session.update('one two four', { base: 'something else', start: 0, deleteCount: 0, insert: '' });
      expect(Array.from(r.ids)).toEqual(Array.from(tok.encode('one two four').ids));
    });

    it('every split point it reports is a true split', async () => {
      const tok = await loadBuiltinTokenizer(id, nodeSource);
      for (const text of [mixedText(3000, 0), fuzzText(1, 2000), fuzzText(2, 2000)]) {
        const full = Array.from(tok.encode(text).ids);
        for (const p of tok.splitPoints(text, 200)) {
          const parts = [...tok.encode(text.slice(0, p)).ids, ...tok.encode(text.slice(p)).ids];
          expect(parts, `cut at ${p}: ${JSON.stringify(text.slice(p - 8, p + 8))}`).toEqual(full);
        }
      }
    });

    it('split points cut the text into parts that encode independently', async () => {
      const tok = await loadBuiltinTokenizer(id, nodeSource);
      const text = mixedText(30_000, 11);
      const points = tok.splitPoints(text, 4);
      const bounds = [0, ...points, text.length];
      const ids: number[] = [];
      for (let k = 0; k + 1 < bounds.length; k++) ids.push(...tok.encode(text.slice(bounds[k], bounds[k + 1])).ids);
      expect(ids).toEqual(Array.from(tok.encode(text).ids));
      expect(points.length).toBe(3);
    });
  });
}
