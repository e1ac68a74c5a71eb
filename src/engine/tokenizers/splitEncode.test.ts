/**
 * Fuzzing the split points that parallel encoding relies on (tokenizerPool.ts): a text cut at the points a tokenizer
 * reports, its parts encoded on their own and concatenated, gives exactly the ids and offsets of the whole text, for
 * random texts, every point at once and random handfuls of them, plain and with special tokens.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_TOKENIZERS, loadBuiltinTokenizer, type Encoding, type TextTokenizer } from './index';
import { nodeSource } from './nodeSources';
import { fuzzText, mixedText, mulberry32, prose } from './testCorpus';

/** Parts of `text` cut at `cuts`, encoded apart (no BOS/EOS) and joined, offsets shifted back into the text. */
function encodeSplit(tok: TextTokenizer, text: string, cuts: number[], special: boolean): { ids: number[]; offsets: number[] } {
  const bounds = [0, ...cuts, text.length];
  const ids: number[] = [];
  const offsets: number[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const part: Encoding = tok.encode(text.slice(bounds[k], bounds[k + 1]), { specialTokens: special, template: false });
    ids.push(...part.ids);
    for (const o of part.offsets) offsets.push(o + bounds[k]);
  }
  return { ids, offsets };
}

/** The whole text's encoding without the template tokens around it (BOS…), which no part carries. */
function body(tok: TextTokenizer, text: string, special: boolean): { ids: number[]; offsets: number[] } {
  const whole = tok.encode(text, { specialTokens: special });
  // how many template tokens come before the text: where a bare encoding of one letter sits in the templated one
  const templated = Array.from(tok.encode('x', { specialTokens: special }).ids);
  const bare = Array.from(tok.encode('x', { specialTokens: special, template: false }).ids);
  const head = templated.findIndex((_, k) => bare.every((id, j) => templated[k + j] === id));
  const tail = templated.length - head - bare.length;
  const to = whole.ids.length - tail;
  return { ids: Array.from(whole.ids.subarray(head, to)), offsets: Array.from(whole.offsets.subarray(2 * head, 2 * to)) };
}

function texts(seed: number): string[] {
  return [fuzzText(seed, 1500), mixedText(2500, seed), prose(2000, seed), fuzzText(seed + 1, 300).replace(/[^\n ]/g, (c) => (c === 'a' ? '\n' : c))];
}

for (const { id } of BUILTIN_TOKENIZERS) {
  describe(`${id}: a text split at its split points encodes as the whole`, () => {
    for (const special of [false, true]) {
      it(`at every point at once and at random handfuls, ${special ? 'with special tokens' : 'as plain text'}`, async () => {
        const tok = await loadBuiltinTokenizer(id, nodeSource);
        let checked = 0;
        for (let seed = 1; seed <= 12; seed++) {
          const rand = mulberry32(seed * 131 + (special ? 7 : 0));
          for (const text of texts(seed)) {
            const expected = body(tok, text, special);
            const all = tok.splitPoints(text, text.length, { specialTokens: special });
            expect(encodeSplit(tok, text, all, special), `${all.length} cuts in ${JSON.stringify(text.slice(0, 60))}…`).toEqual(expected);
            for (let trial = 0; trial < 4; trial++) {
              const some = all.filter(() => rand() < 0.05);
              expect(encodeSplit(tok, text, some, special), `cuts ${some.join(',')}`).toEqual(expected);
            }
            checked += all.length;
          }
        }
        // the test means something only if the texts have many points
        expect(checked).toBeGreaterThan(1000);
      });

      it(`tells a wrong cut from a right one, ${special ? 'with special tokens' : 'as plain text'}`, async () => {
        const tok = await loadBuiltinTokenizer(id, nodeSource);
        const text = 'Tokenization is fascinating';
        expect(encodeSplit(tok, text, [text.indexOf(' is')], special)).toEqual(body(tok, text, special));
        expect(encodeSplit(tok, text, [3], special)).not.toEqual(body(tok, text, special));
      });
    }
  });
}
