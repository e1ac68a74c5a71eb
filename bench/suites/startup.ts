/**
 * 0. Start-up: the size of the UI entry chunk (the module script of dist-bench/index.html, the same app build) and the time from navigation to
 * an interactive tokenizer lab (its text field editable and the first token chip drawn), with a cold cache (a new
 * browser context) and a warm one (the same context, navigating again).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pageScript } from '../../e2e/support/engineSpy';
import type { Row, Suite } from '../types';
import { median, newPage, type BenchedPage } from './common';

/** kB (1,000 bytes) gzip: a budget that keeps a first visit quick on a slow connection. */
const ENTRY_CHUNK_GZIP_TARGET_KB = 150;
/** ms from navigation to a lab the user can type into and read tokens off: cold (first visit) and warm (a return). */
const COLD_START_TARGET_MS = 1000;
const WARM_START_TARGET_MS = 500;

interface ChunkSize {
  file: string;
  raw: number;
  gzip: number;
}

const sizeOf = (dist: string, src: string): ChunkSize => {
  const bytes = readFileSync(join(dist, src.replace(/^\//, '')));
  return { file: src, raw: bytes.length, gzip: gzipSync(bytes).length };
};

/** The UI entry chunk that dist/index.html loads, and the chunks it preloads with it. */
function entryChunk(dist = 'dist-bench'): { entry: ChunkSize; preloads: ChunkSize[] } {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const tagSrc = (tag: string) => /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
  const entrySrc = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]).filter((t) => /type="module"/.test(t)).map(tagSrc)[0];
  if (!entrySrc) throw new Error(`No <script type="module" src=…> in ${dist}/index.html.`);
  const preloads = [...html.matchAll(/<link\b[^>]*rel="modulepreload"[^>]*>/g)].map((m) => tagSrc(m[0])).filter((s): s is string => !!s);
  return { entry: sizeOf(dist, entrySrc), preloads: preloads.map((s) => sizeOf(dist, s)) };
}

/** In the page, from before its scripts run: when the tokenizer field is editable and a token chip is drawn. */
function tokenizerInteractive(): true | null {
  const el = document.querySelector('[data-testid="tokenizer-input"]') as HTMLTextAreaElement | null;
  return el && !el.disabled && !el.readOnly && document.querySelector('[data-testid="token"]') ? true : null;
}
const watchInteractive = pageScript(`window.__bench.interactive = window.__bench.until(${tokenizerInteractive}, 60000)`);

interface StartSample {
  ms: number;
  resources: number;
  transferKB: number;
}

async function interactiveAfter(page: BenchedPage): Promise<StartSample> {
  return page.evaluate(async () => {
    const { t } = await window.__bench.interactive!;
    const rs = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const transfer = rs.reduce((s, r) => s + r.transferSize, 0);
    return { ms: t, resources: rs.length, transferKB: transfer / 1000 };
  });
}

export const startup: Suite = {
  name: 'startup',
  title: 'Start-up: the UI entry chunk, and navigation to an interactive tokenizer lab',
  async run({ browser, base, quick, log }) {
    const rows: Row[] = [];
    const { entry, preloads } = entryChunk();
    const kB = (b: number) => b / 1000;
    const preloaded = preloads.reduce((s, c) => s + c.gzip, 0);
    rows.push({
      label: 'UI entry chunk, gzip',
      value: kB(entry.gzip),
      unit: 'kB',
      better: 'lower',
      target: ENTRY_CHUNK_GZIP_TARGET_KB,
      chartTarget: true,
      note: `${entry.file}, ${kB(entry.raw).toFixed(1)} kB raw; ${preloads.length} preloaded chunk(s) add ${kB(preloaded).toFixed(1)} kB gzip`,
    });
    log(rows[rows.length - 1]);

    const reps = quick ? 1 : 5;
    const cold: StartSample[] = [];
    const warm: StartSample[] = [];
    const errors: string[] = [];
    for (let i = 0; i < reps; i++) {
      const ctx = await browser.newContext();
      const page = await newPage(ctx, `${base}/`, { probe: true, init: watchInteractive });
      cold.push(await interactiveAfter(page));
      await page.goto(`${base}/`);
      warm.push(await interactiveAfter(page));
      errors.push(...page.errors);
      await ctx.close();
    }
    const figure = (label: string, samples: StartSample[], target: number): Row => ({
      label,
      value: median(samples.map((s) => s.ms)),
      unit: 'ms',
      better: 'lower',
      target,
      chartTarget: true,
      samples: samples.map((s) => s.ms),
      note: `${median(samples.map((s) => s.resources))} resources, ${median(samples.map((s) => s.transferKB)).toFixed(0)} kB transferred`,
    });
    rows.push(figure('navigation → tokenizer lab interactive, cold cache', cold, COLD_START_TARGET_MS));
    rows.push(figure('navigation → tokenizer lab interactive, warm cache', warm, WARM_START_TARGET_MS));
    for (const r of rows.slice(-2)) log(r);
    return { rows, entry, preloads, cold, warm, errors };
  },
};
