// Tokenize the corpus with Transformers.js itself, so the IDs the model trains on are exactly
// the IDs the app produces from tokenizer.json.
//
//   node tools/model/tokenize.mjs [model_dir=public/models/nexttoken-base]
//
// Writes tools/.work/data/{train,val}.bin (uint16 stream: <|endoftext|> doc <|endoftext|> doc ...),
// val_docs.json (per held-out document: source, token range, UTF-8 bytes, for bits per byte)
// and prompts.json (token IDs of the fixed prompts used for the golden file and the card).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';

const MODEL_DIR = resolve(process.argv[2] ?? 'public/models/nexttoken-base');
const DATA = join(process.env.NT_WORK ?? 'tools/.work', 'data');
const PROMPTS = ['The president said that', 'In the morning we', 'The ship', 'Once upon a time', 'It was a dark and'];

env.allowRemoteModels = false;
env.localModelPath = dirname(MODEL_DIR) + '/';
const tok = await AutoTokenizer.from_pretrained(basename(MODEL_DIR));
const EOT = tok.convert_tokens_to_ids(['<|endoftext|>'])[0];
if (EOT !== 0) throw new Error(`expected <|endoftext|> to be id 0, got ${EOT}`);

const streams = { train: [], val: [] };
const valDocs = [];
let bytesTotal = 0;
const t0 = Date.now();
for (const line of readFileSync(join(DATA, 'docs.jsonl'), 'utf8').split('\n')) {
  if (!line) continue;
  const doc = JSON.parse(line);
  // encode paragraph by paragraph (fast; the GPT-2 regex never merges across "\n\n" + letter anyway)
  const ids = [];
  const paras = doc.text.split(/(?<=\n\n)/);
  for (const p of paras) ids.push(...tok.encode(p, { add_special_tokens: false }));
  const s = streams[doc.split];
  const start = s.length;
  s.push(EOT, ...ids);
  const bytes = Buffer.byteLength(doc.text);
  bytesTotal += bytes;
  if (doc.split === 'val') valDocs.push({ source: doc.source, id: doc.id, start, end: s.length, bytes });
}
// check that per-paragraph encoding equals whole-document encoding on a sample
for (const line of readFileSync(join(DATA, 'docs.jsonl'), 'utf8').split('\n').slice(0, 40)) {
  if (!line) continue;
  const doc = JSON.parse(line);
  const whole = tok.encode(doc.text, { add_special_tokens: false });
  const parts = doc.text.split(/(?<=\n\n)/).flatMap((p) => tok.encode(p, { add_special_tokens: false }));
  if (whole.join() !== parts.join()) throw new Error(`paragraph split changes tokenization of ${doc.id}`);
}
for (const [split, ids] of Object.entries(streams)) {
  writeFileSync(join(DATA, `${split}.bin`), Buffer.from(Uint16Array.from(ids).buffer));
  console.log(`${split}: ${ids.length} tokens`);
}
writeFileSync(join(DATA, 'val_docs.json'), JSON.stringify(valDocs));
writeFileSync(join(DATA, 'prompts.json'), JSON.stringify(PROMPTS.map((text) => ({ text, ids: tok.encode(text) }))));
const nTok = streams.train.length + streams.val.length;
console.log(`${(bytesTotal / nTok).toFixed(2)} bytes/token, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
