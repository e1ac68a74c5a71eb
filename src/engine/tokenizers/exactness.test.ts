import { describe, expect, it } from 'vitest';
import { loadBuiltinTokenizer, BUILTIN_TOKENIZERS, type TextTokenizer } from './index';
import { nodeSource } from './nodeSources';
import { loadReference, type ReferenceEncoder } from './referenceTokenizers';
import { TRICKY_STRINGS, fuzzText, mixedText } from './testCorpus';

function concatBytes(tok: TextTokenizer, ids: Uint32Array): Uint8Array {
  const parts = Array.from(ids, (id) => tok.tokenBytes(id));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let k = 0;
  for (const p of parts) {
    out.set(p, k);
    k += p.length;
  }
  return out;
}

for (const { id } of BUILTIN_TOKENIZERS) {
  describe(`${id} matches its reference implementation`, () => {
    let tok: TextTokenizer;
    let ref: ReferenceEncoder;
    const load = async () => {
      tok ??= await loadBuiltinTokenizer(id, nodeSource);
      ref ??= await loadReference(id);
    };

    for (const special of [false, true]) {
      const mode = special ? 'with special tokens' : 'as plain text';
      it(`gives the reference ids on tricky strings, ${mode}`, async () => {
        await load();
        for (const text of TRICKY_STRINGS) {
          expect(Array.from(tok.encode(text, { specialTokens: special }).ids), JSON.stringify(text)).toEqual(ref(text, special));
        }
      });

      it(`gives the reference ids on seeded random mixtures, ${mode}`, async () => {
        await load();
        for (let seed = 1; seed <= 60; seed++) {
          const text = fuzzText(seed * 7919 + (special ? 1 : 0), 20 + (seed % 12) * 40);
          expect(Array.from(tok.encode(text, { specialTokens: special }).ids), JSON.stringify(text)).toEqual(ref(text, special));
        }
      });
    }

    it('gives the reference ids on a longer mixed document', async () => {
      await load();
      const text = mixedText(20_000, 5);
      expect(Array.from(tok.encode(text).ids)).toEqual(ref(text, false));
    });

    it('offsets cover the text in order and each token spans whole characters', async () => {
      await load();
      for (const text of [...TRICKY_STRINGS, fuzzText(42, 2000)]) {
        const { ids, offsets } = tok.encode(text);
        let prevEnd = 0;
        for (let k = 0; k < ids.length; k++) {
          const [s, e] = [offsets[2 * k], offsets[2 * k + 1]];
          expect(s).toBeLessThanOrEqual(e);
          expect(e).toBeLessThanOrEqual(text.length);
          expect(s).toBeGreaterThanOrEqual(Math.min(prevEnd, s)); // non-decreasing starts
          if (k > 0) expect(s).toBeGreaterThanOrEqual(offsets[2 * k - 2]);
          prevEnd = e;
        }
        if (ids.length) expect(offsets[2 * ids.length - 1]).toBe(text.length);
      }
    });

    it('token bytes concatenate back to the UTF-8 of the text (no normalizer change)', async () => {
      await load();
      const text = 'Hello 👩‍👩‍👧‍👦 日本語 <b>x</b>\n\tdone';
      const bytes = concatBytes(tok, tok.encode(text).ids);
      expect(new TextDecoder().decode(bytes)).toBe(text);
    });

    it('handles empty text and lone surrogates without throwing', async () => {
      await load();
      expect(tok.encode('').ids.length).toBe(0);
      expect(() => tok.encode('\uD800\uDFFF\uDFFF\uD800')).not.toThrow();
    });
  });
}
