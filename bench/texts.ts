/**
 * Benchmark texts. English: real prose, not a repeated word list: paragraphs from the documentation that the
 * installed npm packages ship (READMEs, changelogs, guides and the doc comments of their .d.ts files), markdown and
 * code stripped, deduplicated, in a fixed order (same packages, same text). The mixed code/CJK/emoji text comes from
 * the tokenizer engine's own corpus generator (src/engine/tokenizers/testCorpus.ts), built in the bench page.
 */
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

function markdownFiles(dir: string, out: string[] = [], depth = 0): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory() && depth < 6 && e.name !== '.bin' && e.name !== '.cache') markdownFiles(p, out, depth + 1);
    else if (e.isFile() && /\.(md|markdown|d\.ts)$/i.test(e.name) && statSync(p).size < 12_000_000) out.push(p);
  }
  return out;
}

/** A .d.ts file's doc comments, as markdown-ish paragraphs. */
function docComments(ts: string): string {
  const out: string[] = [];
  for (const m of ts.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const body = m[1].split('\n').map((l) => l.replace(/^\s*\* ?/, '')).filter((l) => !/^\s*@/.test(l));
    out.push(body.join('\n'));
  }
  return out.join('\n\n');
}

function proseParagraphs(md: string): string[] {
  const noCode = md.replace(/```[\s\S]*?```/g, '\n').replace(/~~~[\s\S]*?~~~/g, '\n').replace(/<!--[\s\S]*?-->/g, '');
  const paras: string[] = [];
  for (const block of noCode.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => !/^\s*(#|\||<|>|\[!| {4}|\t|-{3,}|={3,}|\* \* \*)/.test(l));
    let p = lines.join(' ').replace(/^\s*([-*+]|\d+\.)\s+/, '');
    p = p
      .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
      .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/`([^`]+)`/g, '$1')
      .replace(/\*\*|__/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (p.length < 80) continue;
    const letters = (p.match(/[A-Za-z ,.']/g) ?? []).length;
    if (letters / p.length < 0.9 || /https?:|[{};=]/.test(p)) continue;
    paras.push(p);
  }
  return paras;
}

export interface EnglishProse {
  text: string;
  /** how much of it is not repeated */
  uniqueBytes: number;
  paragraphs: number;
}

/** About `bytes` bytes (UTF-8) of English prose from the installed packages' documentation. */
export function englishProse(bytes: number, root = 'node_modules'): EnglishProse {
  const seen = new Set<string>();
  const parts: string[] = [];
  let n = 0;
  for (const file of markdownFiles(root)) {
    const raw = readFileSync(file, 'utf8');
    for (const p of proseParagraphs(file.endsWith('.ts') ? docComments(raw) : raw)) {
      if (seen.has(p)) continue;
      seen.add(p);
      parts.push(p);
      n += Buffer.byteLength(p) + 2;
    }
  }
  const unique = n;
  // not enough unique prose (an unusually small install): repeat it, and say so in the results
  const base = parts.slice();
  for (let i = 0; n < bytes && base.length; i++) {
    parts.push(base[i % base.length]);
    n += Buffer.byteLength(base[i % base.length]) + 2;
  }
  let text = parts.join('\n\n');
  while (Buffer.byteLength(text) > bytes) text = text.slice(0, Math.floor(text.length * (bytes / Buffer.byteLength(text))) - 1);
  return { text, uniqueBytes: unique, paragraphs: seen.size };
}
