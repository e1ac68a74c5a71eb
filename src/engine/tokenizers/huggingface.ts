/** Builds a fast, exact tokenizer from a tokenizer.json (+ tokenizer_config.json); falls back to the reference implementation for configurations it does not support. */
import { BYTE_TO_CHAR, CHAR_TO_BYTE } from './byteLevel';
import { BpePipeline, isBoundaryChar, type AddedTokenSpec, type BpeModel } from './bpePipeline';
import { FallbackTokenizer } from './fallbackTokenizer';
import { MergeTable } from './mergeTable';
import { createNormalizer, UnsupportedConfigError } from './normalizers';
import { PipelineTokenizer, type Vocabulary } from './pipelineTokenizer';
import { createPreTokenizer } from './pretokenizers';
import type { TextTokenizer } from './types';
import { utf8 } from './unicode';

interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
  normalized?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
}

interface TokenizerJson {
  model: {
    type?: string;
    vocab: Record<string, number>;
    merges: (string | [string, string])[];
    dropout?: number | null;
    unk_token?: string | null;
    continuing_subword_prefix?: string | null;
    end_of_word_suffix?: string | null;
    fuse_unk?: boolean;
    byte_fallback?: boolean;
    ignore_merges?: boolean;
  };
  normalizer: unknown;
  pre_tokenizer: unknown;
  post_processor: PostProcessorJson | null;
  decoder: DecoderJson | null;
  added_tokens: AddedTokenJson[];
}

interface PostProcessorJson {
  type: string;
  processors?: PostProcessorJson[];
  single?: ({ SpecialToken: { id: string } } | { Sequence: { id: string } })[];
  special_tokens?: Record<string, { ids: number[] }>;
  cls?: [string, number];
  sep?: [string, number];
}

interface DecoderJson {
  type: string;
  decoders?: DecoderJson[];
  pattern?: { String?: string };
  content?: string;
  replacement?: string;
}

export interface HuggingFaceOptions {
  /** force a BOS in special-tokens mode (e.g. Llama 3, whose published tokenizer adds <|begin_of_text|>) */
  addBos?: boolean;
}

function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return null;
}

/** Which special tokens surround the text when the model's special tokens are added. */
function templateOf(json: TokenizerJson, config: Record<string, unknown>, lookup: (s: string) => number | undefined, options: HuggingFaceOptions) {
  const prefix: number[] = [];
  const suffix: number[] = [];
  const fromProcessor = (pp: PostProcessorJson | null | undefined): void => {
    if (!pp) return;
    if (pp.type === 'Sequence') for (const p of pp.processors ?? []) fromProcessor(p);
    else if (pp.type === 'TemplateProcessing') {
      let seenSequence = false;
      for (const item of pp.single ?? []) {
        if ('Sequence' in item) seenSequence = true;
        else for (const id of pp.special_tokens?.[item.SpecialToken.id]?.ids ?? []) (seenSequence ? suffix : prefix).push(id);
      }
    } else if (pp.type === 'BertProcessing' || pp.type === 'RobertaProcessing') {
      if (pp.cls) prefix.push(pp.cls[1]);
      if (pp.sep) suffix.push(pp.sep[1]);
    }
  };
  // Python's LlamaTokenizerFast / GemmaTokenizerFast rebuild the post-processor from add_bos_token / add_eos_token.
  const cls = String(config.tokenizer_class ?? '');
  const rebuilds = /^(Llama|CodeLlama|Gemma)Tokenizer(Fast)?$/.test(cls) && (config.add_bos_token !== undefined || config.add_eos_token !== undefined);
  const bos = lookup(tokenContent(config.bos_token) ?? '');
  if (rebuilds) {
    const eos = lookup(tokenContent(config.eos_token) ?? '');
    if (config.add_bos_token === true && bos !== undefined) prefix.push(bos);
    if (config.add_eos_token === true && eos !== undefined) suffix.push(eos);
  } else {
    fromProcessor(json.post_processor);
    if (options.addBos && prefix.length === 0 && bos !== undefined) prefix.push(bos);
  }
  return { prefix, suffix };
}

function decoderSteps(decoder: DecoderJson | null): { byteLevel: boolean; byteFallback: boolean; replaces: [string, string][] } {
  const out = { byteLevel: false, byteFallback: false, replaces: [] as [string, string][] };
  const walk = (d: DecoderJson | null | undefined): void => {
    if (!d) return;
    if (d.type === 'Sequence') for (const x of d.decoders ?? []) walk(x);
    else if (d.type === 'ByteLevel') out.byteLevel = true;
    else if (d.type === 'ByteFallback') out.byteFallback = true;
    else if (d.type === 'Replace' && d.pattern?.String !== undefined) out.replaces.push([d.pattern.String, d.content ?? '']);
    else if (d.type === 'Metaspace') out.replaces.push([d.replacement ?? '▁', ' ']);
  };
  walk(decoder);
  return out;
}

function buildVocabulary(json: TokenizerJson): { vocab: Vocabulary; lookup: (s: string) => number | undefined } {
  const pieces: string[] = [];
  const ids = new Map<string, number>();
  for (const [piece, id] of Object.entries(json.model.vocab)) {
    pieces[id] = piece;
    ids.set(piece, id);
  }
  const added = new Map<number, AddedTokenJson>();
  for (const t of json.added_tokens ?? []) {
    pieces[t.id] = t.content;
    ids.set(t.content, t.id);
    added.set(t.id, t);
  }
  const dec = decoderSteps(json.decoder);
  const byteCache = new Map<number, Uint8Array>();
  const bytes = (id: number): Uint8Array => {
    let b = byteCache.get(id);
    if (b) return b;
    const piece = pieces[id] ?? '';
    const a = added.get(id);
    if (a) b = utf8(a.content);
    else if (dec.byteFallback && /^<0x[0-9A-F]{2}>$/.test(piece)) b = Uint8Array.of(parseInt(piece.slice(3, 5), 16));
    else if (dec.byteLevel && [...piece].every((c) => CHAR_TO_BYTE.has(c))) b = Uint8Array.from([...piece], (c) => CHAR_TO_BYTE.get(c)!);
    else {
      let s = piece;
      for (const [from, to] of dec.replaces) s = s.replaceAll(from, to);
      b = utf8(s);
    }
    byteCache.set(id, b);
    return b;
  };
  return {
    lookup: (s) => ids.get(s),
    vocab: {
      size: pieces.length,
      piece: (id) => pieces[id] ?? '',
      bytes,
      isSpecial: (id) => added.get(id)?.special === true,
    },
  };
}

function buildModel(json: TokenizerJson, byteLevel: boolean): BpeModel {
  const m = json.model;
  if (m.type !== undefined && m.type !== 'BPE') throw new UnsupportedConfigError(`model ${m.type}`);
  if (m.dropout) throw new UnsupportedConfigError('BPE dropout');
  if (m.continuing_subword_prefix || m.end_of_word_suffix) throw new UnsupportedConfigError('subword prefix/suffix');
  const vocab = new Map<string, number>();
  for (const [piece, id] of Object.entries(m.vocab)) vocab.set(piece, id);
  const table = new MergeTable(m.merges.length);
  const bigrams = byteLevel ? null : new Set<number>();
  for (let r = 0; r < m.merges.length; r++) {
    const merge = m.merges[r];
    const [a, b] = typeof merge === 'string' ? merge.split(' ', 2) : merge;
    const ia = vocab.get(a);
    const ib = vocab.get(b);
    const merged = a + b;
    const im = vocab.get(merged);
    if (ia === undefined || ib === undefined || im === undefined) throw new UnsupportedConfigError(`merge "${a} ${b}" outside the vocabulary`);
    table.add(ia, ib, r, im);
    if (bigrams) {
      for (let i = 1; i < merged.length; i++) {
        const c1 = merged.charCodeAt(i - 1);
        const c2 = merged.charCodeAt(i);
        if (isBoundaryChar(c1) || isBoundaryChar(c2)) bigrams.add(c1 * 65536 + c2);
      }
    }
  }
  const byteIds = new Int32Array(256).fill(-1);
  if (byteLevel) for (let b = 0; b < 256; b++) byteIds[b] = vocab.get(BYTE_TO_CHAR[b]) ?? -1;
  let byteFallbackIds: Int32Array | null = null;
  if (m.byte_fallback) {
    byteFallbackIds = new Int32Array(256);
    for (let b = 0; b < 256; b++) byteFallbackIds[b] = vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`) ?? -1;
  }
  return {
    vocab,
    table,
    byteLevel,
    byteIds,
    ignoreMerges: m.ignore_merges ?? false,
    byteFallbackIds,
    unkId: m.unk_token != null ? (vocab.get(m.unk_token) ?? -1) : -1,
    fuseUnk: m.fuse_unk ?? false,
    mergeBigrams: bigrams,
  };
}

export function createHuggingFaceTokenizer(id: string, tokenizerJson: unknown, tokenizerConfigJson: unknown, options: HuggingFaceOptions = {}): TextTokenizer {
  const json = tokenizerJson as TokenizerJson;
  if (!json || typeof json !== 'object' || !json.model || typeof json.model.vocab !== 'object') {
    throw new Error(`The tokenizer "${id}" could not be read: tokenizer.json has no model vocabulary.`);
  }
  const config = (tokenizerConfigJson ?? {}) as Record<string, unknown>;
  const { vocab, lookup } = buildVocabulary(json);
  const template = templateOf(json, config, lookup, options);
  try {
    const added = json.added_tokens ?? [];
    if (added.some((t) => t.lstrip || t.rstrip)) throw new UnsupportedConfigError('added tokens with lstrip/rstrip');
    const pre = createPreTokenizer(json.pre_tokenizer);
    const normalizer = json.normalizer ? createNormalizer(json.normalizer) : null;
    const model = buildModel(json, pre.byteLevel);
    const specs: AddedTokenSpec[] = added.map((t) => ({ content: t.content, id: t.id, special: t.special ?? false, normalized: t.normalized ?? !(t.special ?? false) }));
    const pipeline = new BpePipeline({ model, normalizer, pre, added: specs, template });
    const enc = {
      isSplitPoint: pipeline.isSplitPoint.bind(pipeline),
      encodeRange: pipeline.encodeRange.bind(pipeline),
      template: (special: boolean) => (special ? template : { prefix: [], suffix: [] }),
    };
    return new PipelineTokenizer(id, enc, vocab);
  } catch (e) {
    if (!(e instanceof UnsupportedConfigError)) throw e;
    return new FallbackTokenizer(id, json, config, vocab, template.prefix, template.suffix);
  }
}
