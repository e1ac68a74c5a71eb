// Train a byte-level BPE tokenizer (GPT-2 style) on the training split and write a
// Hugging Face tokenizer.json that Transformers.js loads.
//
//   node tools/model/bpe.mjs [vocab_size=8192] [out_dir=public/models/nexttoken-base]
//
// Word-frequency BPE: split text with the GPT-2 regex (the one the ByteLevel pre-tokenizer
// uses), count distinct words, then repeatedly merge the most frequent adjacent pair,
// updating pair counts only for the words that contain it. Ties break on the smaller pair id,
// so the result is deterministic.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VOCAB_SIZE = Number(process.argv[2] ?? 8192);
const OUT = process.argv[3] ?? 'public/models/nexttoken-base';
const DATA = join(process.env.NT_WORK ?? 'tools/.work', 'data');
const EOT = '<|endoftext|>';
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

// GPT-2's reversible byte -> printable character table
function bytesToUnicode() {
  const bs = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) {
    bs.push(b);
    cs.push(256 + n++);
  }
  const table = new Array(256);
  bs.forEach((b, i) => (table[b] = String.fromCharCode(cs[i])));
  return table;
}
const B2U = bytesToUnicode();
const enc = new TextEncoder();

// 1. distinct pre-tokenized words and their counts
const counts = new Map();
for (const line of readFileSync(join(DATA, 'docs.jsonl'), 'utf8').split('\n')) {
  if (!line) continue;
  const doc = JSON.parse(line);
  if (doc.split !== 'train') continue;
  for (const m of doc.text.matchAll(GPT2_SPLIT)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
}

// 2. symbols: id 0 is <|endoftext|>, ids 1..256 are the bytes, merges follow
const symbols = [EOT, ...B2U];
const byteId = (b) => 1 + b;
const words = []; // {ids: number[], n: count}
for (const [w, n] of counts) words.push({ ids: [...enc.encode(w)].map(byteId), n });

const key = (a, b) => a * 65536 + b;
const pairCount = new Map();
const pairWords = new Map(); // pair -> Set of word indices containing it
function addWord(wi, sign) {
  const { ids, n } = words[wi];
  for (let i = 0; i + 1 < ids.length; i++) {
    const k = key(ids[i], ids[i + 1]);
    pairCount.set(k, (pairCount.get(k) ?? 0) + sign * n);
    if (sign > 0) (pairWords.get(k) ?? pairWords.set(k, new Set()).get(k)).add(wi);
  }
}
words.forEach((_, wi) => addWord(wi, +1));

const merges = [];
const t0 = Date.now();
while (symbols.length < VOCAB_SIZE) {
  let best = -1;
  let bestN = 0;
  for (const [k, n] of pairCount) if (n > bestN || (n === bestN && k < best)) {
    best = k;
    bestN = n;
  }
  if (bestN < 2) break;
  const a = Math.floor(best / 65536);
  const b = best % 65536;
  const id = symbols.length;
  symbols.push(symbols[a] + symbols[b]);
  merges.push(`${symbols[a]} ${symbols[b]}`);
  for (const wi of pairWords.get(best)) {
    const w = words[wi];
    addWord(wi, -1);
    const out = [];
    for (let i = 0; i < w.ids.length; i++) {
      if (i + 1 < w.ids.length && w.ids[i] === a && w.ids[i + 1] === b) {
        out.push(id);
        i++;
      }
      else out.push(w.ids[i]);
    }
    w.ids = out;
    addWord(wi, +1);
  }
  pairCount.delete(best);
  pairWords.delete(best);
  for (const [k, n] of pairCount) if (n === 0) {
    pairCount.delete(k);
    pairWords.delete(k);
  }
}
console.log(`bpe: ${counts.size} distinct words, ${merges.length} merges, vocab ${symbols.length} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// 3. tokenizer.json (HF tokenizers format) + tokenizer_config.json
const vocab = Object.fromEntries(symbols.map((s, i) => [s, i]));
const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [{ id: 0, content: EOT, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
  normalizer: null,
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  // Every training document starts after <|endoftext|>, so prompts get it as BOS too.
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: EOT, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: EOT, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: EOT, type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { [EOT]: { id: EOT, ids: [0], tokens: [EOT] } },
  },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
};
const config = {
  tokenizer_class: 'PreTrainedTokenizerFast',
  model_max_length: 256,
  bos_token: EOT,
  eos_token: EOT,
  unk_token: null,
  pad_token: EOT,
  add_bos_token: true,
  add_eos_token: false,
  clean_up_tokenization_spaces: false,
};
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'tokenizer.json'), JSON.stringify(tokenizer));
writeFileSync(join(OUT, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
