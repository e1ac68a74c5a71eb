/**
 * OpenAI's tiktoken encodings (o200k_base, cl100k_base, r50k_base) on the fast pipeline.
 * Ranks come from gpt-tokenizer's rank tables (lazily imported, one chunk per encoding);
 * pre-tokenizer patterns and special tokens are tiktoken's own, as js-tiktoken uses them.
 */
import type { ScannerKind } from './asciiScanner';
import { bytesToByteLevel } from './byteLevel';
import { BpePipeline, type BpeModel } from './bpePipeline';
import { LearnedMergeTable } from './mergeTable';
import { PipelineTokenizer } from './pipelineTokenizer';
import type { TextTokenizer } from './types';
import { utf8 } from './unicode';

export type OpenAiEncodingName = 'o200k_base' | 'cl100k_base' | 'r50k_base';

/**
 * tiktoken's case-insensitive contractions ('s|'S|'t|…|'LL|'d|'D), as one non-capturing group: no two alternatives
 * can match at the same place, so their order does not matter, and a group that captures nothing is cheaper to run.
 */
const CONTRACTIONS = "'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])";

/** tiktoken's pat_str for each encoding (compiled with flags "gu", as js-tiktoken does). */
export const OPENAI_PATTERNS: Record<OpenAiEncodingName, string> = {
  o200k_base:
    `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:${CONTRACTIONS})?|` +
    `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:${CONTRACTIONS})?|` +
    `\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
  cl100k_base: `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
  r50k_base: "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
};

/** The hand-written ASCII pre-tokenizer of each pattern (asciiScanner.ts). */
const OPENAI_SCANNERS: Record<OpenAiEncodingName, ScannerKind> = { o200k_base: 'o200k', cl100k_base: 'cl100k', r50k_base: 'r50k' };

const OPENAI_SPECIAL_TOKENS: Record<OpenAiEncodingName, Record<string, number>> = {
  o200k_base: { '<|endoftext|>': 199999, '<|endofprompt|>': 200018 },
  cl100k_base: { '<|endoftext|>': 100257, '<|fim_prefix|>': 100258, '<|fim_middle|>': 100259, '<|fim_suffix|>': 100260, '<|endofprompt|>': 100276 },
  r50k_base: { '<|endoftext|>': 50256 },
};

/** rank → token: a string (its UTF-8) or raw bytes for tokens that are not valid UTF-8 */
export type RankTable = readonly (string | readonly number[])[];

export async function loadOpenAiRanks(name: OpenAiEncodingName): Promise<RankTable> {
  switch (name) {
    case 'o200k_base':
      return (await import('gpt-tokenizer/bpeRanks/o200k_base')).default;
    case 'cl100k_base':
      return (await import('gpt-tokenizer/bpeRanks/cl100k_base')).default;
    case 'r50k_base':
      return (await import('gpt-tokenizer/bpeRanks/r50k_base')).default;
  }
}

export function createOpenAiTokenizer(name: OpenAiEncodingName, ranks: RankTable): TextTokenizer {
  const tokenBytes: Uint8Array[] = ranks.map((t) => (typeof t === 'string' ? utf8(t) : Uint8Array.from(t)));
  const keys = tokenBytes.map((b) => bytesToByteLevel(b));
  const vocab = new Map<string, number>();
  keys.forEach((k, rank) => vocab.set(k, rank));
  // tiktoken merges any adjacent pair whose concatenation is a token, by that token's rank: found per pair as the
  // encoder meets it (trying every cut of 200k tokens up front took 2.2 s of start-up)
  const table = new LearnedMergeTable(1 << 16, (left, right) => vocab.get(keys[left] + keys[right]) ?? -1);
  const byteIds = new Int32Array(256).fill(-1);
  for (let b = 0; b < 256; b++) byteIds[b] = vocab.get(bytesToByteLevel(Uint8Array.of(b))) ?? -1;
  const model: BpeModel = { vocab, table, byteLevel: true, byteIds, ignoreMerges: true, byteFallbackIds: null, unkId: -1, fuseUnk: false, mergeBigrams: null };
  const specials = Object.entries(OPENAI_SPECIAL_TOKENS[name]);
  const pipeline = new BpePipeline({
    model,
    normalizer: null,
    pre: { levels: [{ regex: new RegExp(OPENAI_PATTERNS[name], 'gu'), keepGaps: false }], byteLevel: true, addPrefixSpace: false, knownFamily: true, newlineSplits: name !== 'r50k_base', singleCharSplits: [], scanner: OPENAI_SCANNERS[name] },
    added: specials.map(([content, id]) => ({ content, id, special: true, normalized: false })),
    template: { prefix: [], suffix: [] },
  });
  const specialById = new Map(specials.map(([content, id]) => [id, content]));
  const size = Math.max(ranks.length, ...specialById.keys()) + 1;
  return new PipelineTokenizer(
    name,
    {
      isSplitPoint: pipeline.isSplitPoint.bind(pipeline),
      encodeRange: pipeline.encodeRange.bind(pipeline),
      template: () => ({ prefix: [], suffix: [] }),
    },
    {
      size,
      piece: (id) => specialById.get(id) ?? keys[id] ?? '',
      bytes: (id) => {
        const s = specialById.get(id);
        return s !== undefined ? utf8(s) : (tokenBytes[id] ?? new Uint8Array(0));
      },
      isSpecial: (id) => specialById.has(id),
    },
  );
}
