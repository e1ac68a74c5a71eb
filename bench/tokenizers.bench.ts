/**
 * Tokenizer engine benchmark (Node): 1 MB → exact ids + offsets per tokenizer, and a
 * one-character edit in a 1 MB text through an incremental session.
 * Run: npx vitest bench --run bench/tokenizers.bench.ts
 */
import { bench, describe } from 'vitest';
import { BUILTIN_TOKENIZERS, loadBuiltinTokenizer, type TextTokenizer } from '../src/engine/tokenizers';
import { nodeSource } from '../src/engine/tokenizers/nodeSources';
import { mixedText, novelWords, prose } from '../src/engine/tokenizers/testCorpus';

const MB = 1 << 20;
const english = prose(MB, 3);
const mixed = mixedText(MB, 4);
let novelSeed = 100;
const tokenizers = new Map<string, TextTokenizer>();
for (const { id } of BUILTIN_TOKENIZERS) tokenizers.set(id, await loadBuiltinTokenizer(id, nodeSource));

for (const { id } of BUILTIN_TOKENIZERS) {
  const tok = tokenizers.get(id)!;
  describe(`${id}: 1 MB`, () => {
    // a fresh tokenizer-level cache would need a reload; the first iteration is the cold one
    bench('English prose', () => void tok.encode(english), { iterations: 3, warmupIterations: 0, time: 0 });
    bench('mixed code/CJK/emoji', () => void tok.encode(mixed), { iterations: 3, warmupIterations: 0, time: 0 });
    // a new random-word text each iteration: almost every word misses the cache
    bench('novel pseudo-words (cold cache)', () => void tok.encode(novelWords(MB, novelSeed++)), { iterations: 3, warmupIterations: 0, time: 0 });
  });
  describe(`${id}: one-character edit in 1 MB`, () => {
    const session = tok.createSession();
    session.update(mixed);
    let flip = false;
    const at = mixed.indexOf(' the ', MB / 2) + 2;
    const edited = mixed.slice(0, at) + 'x' + mixed.slice(at);
    bench('session.update', () => {
      flip = !flip;
      session.update(flip ? edited : mixed);
    }, { iterations: 50, warmupIterations: 5, time: 0 });
  });
}
