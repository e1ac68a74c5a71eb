/**
 * The model's vocabulary as XGrammar needs it: every id's token string as the tokenizer stores it (XGrammar decodes
 * byte-level 'Ġ…' and byte-fallback '▁…' / '<0xAB>' strings itself), and how to decode them.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';

export type GrammarVocabType = 'byte_level' | 'byte_fallback' | 'raw';

export interface GrammarVocabulary {
  /** id → token string, length `vocabSize`; ids the tokenizer lacks (padding) and special tokens are '' (never
   * allowed as text) */
  encoded: string[];
  vocabType: GrammarVocabType;
  /** a SentencePiece tokenizer that prepends '▁' to the text */
  prependSpace: boolean;
  /** the model's output size (config.json vocab_size), which may exceed the tokenizer's */
  vocabSize: number;
  stopTokenIds: number[];
}

interface JsonComponent {
  type?: string;
  decoders?: JsonComponent[];
  normalizers?: JsonComponent[];
  pretokenizers?: JsonComponent[];
  prepend?: string;
  prepend_scheme?: string;
  add_prefix_space?: boolean;
}

/** The parts of a tokenizer.json read here. */
export interface TokenizerJson {
  model: { type?: string; vocab: Record<string, number> | [string, number][] };
  added_tokens?: { id: number; content: string; special?: boolean }[];
  decoder?: JsonComponent | null;
  normalizer?: JsonComponent | null;
  pre_tokenizer?: JsonComponent | null;
}

/** A component and, for a Sequence, its members, depth first. */
function* flatten(component: JsonComponent | null | undefined): Generator<JsonComponent> {
  if (!component) return;
  yield component;
  for (const child of [...(component.decoders ?? []), ...(component.normalizers ?? []), ...(component.pretokenizers ?? [])]) yield* flatten(child);
}

function vocabTypeOf(json: TokenizerJson): GrammarVocabType {
  const decoders = [...flatten(json.decoder)].map((d) => d.type);
  if (decoders.includes('ByteLevel')) return 'byte_level';
  if (decoders.includes('ByteFallback')) return 'byte_fallback';
  return 'raw';
}

function prependsSpace(json: TokenizerJson): boolean {
  if ([...flatten(json.normalizer)].some((n) => n.type === 'Prepend' && n.prepend === '▁')) return true;
  return [...flatten(json.pre_tokenizer)].some(
    (p) => p.type === 'Metaspace' && (p.prepend_scheme ? p.prepend_scheme !== 'never' : p.add_prefix_space === true),
  );
}

function isTokenizerJson(source: unknown): source is TokenizerJson {
  return !!source && typeof source === 'object' && 'model' in source && !!(source as TokenizerJson).model?.vocab;
}

/**
 * From a loaded Transformers.js tokenizer (its tokenizer.json) or a tokenizer.json object. `vocabSize` is the model's
 * output size; `stopTokenIds` end a constrained generation once the constraint is complete.
 */
export function grammarVocabularyOf(tokenizer: PreTrainedTokenizer | TokenizerJson, vocabSize: number, stopTokenIds: number[]): GrammarVocabulary {
  const json: unknown = isTokenizerJson(tokenizer) ? tokenizer : (tokenizer as { _tokenizerJSON?: unknown })._tokenizerJSON;
  if (!isTokenizerJson(json)) throw new Error('The tokenizer does not expose its tokenizer.json vocabulary.');
  const encoded = new Array<string>(vocabSize).fill('');
  const put = (token: string, id: number) => {
    if (id >= 0 && id < vocabSize) encoded[id] = token;
  };
  const { vocab } = json.model;
  if (Array.isArray(vocab)) vocab.forEach(([piece], id) => put(piece, id)); // Unigram: [piece, score] by id
  else for (const [token, id] of Object.entries(vocab)) put(token, id);
  const vocabType = vocabTypeOf(json);
  // an added token's content is plain text, not in the vocabulary's byte-level spelling
  for (const added of json.added_tokens ?? []) put(added.special ? '' : vocabType === 'byte_level' ? byteLevelSpelling(added.content) : added.content, added.id);
  return { encoded, vocabType, prependSpace: prependsSpace(json), vocabSize, stopTokenIds: stopTokenIds.filter((id) => id >= 0 && id < vocabSize) };
}

let byteToChar: string[] | null = null;

/** GPT-2's byte-level spelling: each UTF-8 byte as a printable character (bytes that are printable stay as they are,
 * the others map to U+0100 onwards, in byte order). */
function byteLevelSpelling(text: string): string {
  if (!byteToChar) {
    const chars: string[] = [];
    let next = 256;
    for (let b = 0; b < 256; b++) {
      const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
      chars.push(String.fromCharCode(printable ? b : next++));
    }
    byteToChar = chars;
  }
  const table = byteToChar;
  return Array.from(new TextEncoder().encode(text), (b) => table[b]).join('');
}
