import { describe, expect, it } from 'vitest';
import { asciiScanner, type ScannerKind } from './asciiScanner';
import { nodeSource } from './nodeSources';
import { OPENAI_PATTERNS, type OpenAiEncodingName } from './openaiEncodings';
import { createPreTokenizer, forEachMatch } from './pretokenizers';
import { HF_PACKAGE_FILES, type HfBuiltinId } from './sources';
import { fuzzText, mixedText, mulberry32, prose } from './testCorpus';

/** The pre-tokenizer regex of a tokenizer, as its pipeline compiles it. */
async function regexOf(id: string): Promise<RegExp> {
  if (id in OPENAI_PATTERNS) return new RegExp(OPENAI_PATTERNS[id as OpenAiEncodingName], 'gu');
  const json = (await nodeSource(`${HF_PACKAGE_FILES[id as HfBuiltinId]}/models/tokenizer.json`)) as { pre_tokenizer: unknown };
  const pre = createPreTokenizer(json.pre_tokenizer);
  expect(pre.levels).toHaveLength(1);
  return pre.levels[0].regex;
}

const ASCII_PIECES = ['the', ' the', 'The', 'THE', 'tHe', ' A', 'I', "'", "'s", "'T", "n't", "'ll", "'LL", ' ', '  ', '\t', '\n', '\r\n', '\n\n', '\r', '0', '12', '1234', '3.14', '.', ',', '(', ')', '/', '//', '<', '>', '"', '\u0001', '\u007f', '\u000b', '\u000c', ' !', '?!', 'x', 'Q', 'é', '—', '日本', '\u00a0', '\u2028', '\u0085', '👍', '\uD83D'];

function asciiHeavy(seed: number, length: number): string {
  const rand = mulberry32(seed);
  let s = '';
  while (s.length < length) s += ASCII_PIECES[Math.floor(rand() * ASCII_PIECES.length)];
  return s;
}

/** Pieces as the directSection loop cuts them: the scanner where it answers, the sticky regex elsewhere. */
function scanned(scan: (s: string, i: number) => number, regex: RegExp, s: string): string[] {
  const sticky = new RegExp(regex.source, regex.flags.replace('g', '') + 'y');
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = scan(s, i);
    if (j < 0) {
      sticky.lastIndex = i;
      j = i + sticky.exec(s)![0].length;
    }
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

function matched(regex: RegExp, s: string): string[] {
  const out: string[] = [];
  forEachMatch(regex, false, s, (p) => out.push(p));
  return out;
}

const KINDS: [ScannerKind, string][] = [
  ['o200k', 'o200k_base'],
  ['cl100k', 'cl100k_base'],
  ['r50k', 'r50k_base'],
  ['cl100k', 'llama3'],
  ['qwen', 'qwen'],
];

describe('hand-written ASCII pre-tokenizers cut text as their regexes do', () => {
  for (const [kind, id] of KINDS) {
    it(`${kind} scanner = ${id}'s regex on random text`, async () => {
      const regex = await regexOf(id);
      const scan = asciiScanner(kind);
      let answered = 0;
      for (let seed = 1; seed <= 80; seed++) {
        for (const text of [asciiHeavy(seed, 400), fuzzText(seed, 300), prose(600, seed), mixedText(800, seed)]) {
          expect(scanned(scan, regex, text), JSON.stringify(text)).toEqual(matched(regex, text));
          for (let i = 0; i < text.length; i++) if (scan(text, i) >= 0) answered++;
        }
      }
      // the scanner must answer most of the time, or it proves (and saves) nothing
      expect(answered).toBeGreaterThan(50_000);
    });
  }

  it('a scanner of another pattern is caught', async () => {
    const regex = await regexOf('cl100k_base');
    const text = '(word and 1234';
    expect(scanned(asciiScanner('r50k'), regex, text)).not.toEqual(matched(regex, text));
  });
});
