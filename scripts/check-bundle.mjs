#!/usr/bin/env node
/**
 * The engine boundary, checked in the build: the UI's entry chunk (and the chunks it loads up front) must not
 * carry engine code, and each vocabulary ships once. Run after `vite build` (part of `npm test`).
 * ESLint's no-restricted-imports (eslint.config.js) keeps the source to the same rule.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

const dist = path.resolve(process.argv[2] ?? 'dist');
/** gzip budget of the UI's start-up code */
const MAX_UI_GZIP_BYTES = 150 * 1024;
/** strings only these libraries contain */
const ENGINE_MARKERS = [
  ['Transformers.js', 'DynamicCache'],
  ['onnxruntime-web', 'InferenceSession'],
  ['the Jinja engine', 'Unknown statement type'],
  ["gpt-tokenizer's chat helpers", 'formatFunctionDefinitions'],
  ['a vocabulary (gpt-tokenizer encodings)', 'GptEncoding'],
];
const RANK_TABLES = ['r50k_base', 'p50k_base', 'cl100k_base', 'o200k_base'];

const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const upFront = [...html.matchAll(/<(?:script[^>]*type="module"[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/?([^"]+\.js)"/g)].map((m) => m[1]);
if (upFront.length === 0) fail('no entry script found in dist/index.html');

const problems = [];
let raw = 0;
let gzip = 0;
for (const file of upFront) {
  const code = readFileSync(path.join(dist, file));
  raw += code.length;
  gzip += gzipSync(code).length;
  const text = code.toString('utf8');
  for (const [what, marker] of ENGINE_MARKERS) if (text.includes(marker)) problems.push(`${file} contains ${what} ("${marker}"): engine code reached the UI thread`);
}
if (gzip > MAX_UI_GZIP_BYTES) problems.push(`the UI's start-up code is ${kb(gzip)} gzip, over the ${kb(MAX_UI_GZIP_BYTES)} budget`);

const assets = readdirSync(path.join(dist, 'assets'));
for (const table of RANK_TABLES) {
  const copies = assets.filter((f) => f.startsWith(`${table}-`) && f.endsWith('.js'));
  if (copies.length > 1) problems.push(`${copies.length} copies of the ${table} rank table: ${copies.join(', ')}`);
}

console.log(`UI start-up code: ${upFront.join(', ')}: ${kb(raw)} (${kb(gzip)} gzip; budget ${kb(MAX_UI_GZIP_BYTES)})`);
if (problems.length) fail(problems.join('\n'));
console.log('bundle check: the UI chunk carries no engine code; one copy of each rank table');

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
function fail(message) {
  console.error(`bundle check failed:\n${message}`);
  process.exit(1);
}
