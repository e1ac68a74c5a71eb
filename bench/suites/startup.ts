/**
 * 0. Start-up: the size of the UI entry chunk (the module script of dist-bench/index.html, the same app build), the
 * time from navigation to an interactive tokenizer lab (its text field editable and the first token chip drawn), and
 * the time from navigation to the first generated token on the embedded model (the Generate lab opened by its link,
 * Generate pressed the moment it is enabled, until the first generated token is drawn), each with a cold cache (a
 * new browser context) and a warm one (the same context, navigating again).
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

/** In the page: the Generate button once the model is ready (and the default prompt is there). */
function generateEnabled(): HTMLButtonElement | null {
  const b = document.querySelector<HTMLButtonElement>('[data-testid="generate"]');
  return b && !b.disabled ? b : null;
}
function firstGeneratedToken(): true | null {
  return document.querySelector('[data-testid="gen-token"]') ? true : null;
}
/** Presses Generate as soon as it is enabled; resolves when the first generated token is drawn. */
const watchFirstToken = pageScript(`window.__bench.firstToken = (async () => {
  const ready = await window.__bench.until(${generateEnabled}, 120000);
  ready.value.click();
  const first = await window.__bench.until(${firstGeneratedToken}, 120000);
  return { modelReady: ready.t, t: first.t };
})()`);

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

interface TokenSample extends StartSample {
  /** navigation → the Generate button enabled (the model loaded) */
  modelReady: number;
}

async function firstTokenAfter(page: BenchedPage): Promise<TokenSample> {
  return page.evaluate(async () => {
    const { t, modelReady } = await window.__bench.firstToken!;
    const rs = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    return { ms: t, modelReady, resources: rs.length, transferKB: rs.reduce((s, r) => s + r.transferSize, 0) / 1000 };
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

    // the Generate lab by its link, fresh settings (the default prompt), the embedded model
    const tokenCold: TokenSample[] = [];
    const tokenWarm: TokenSample[] = [];
    const generateUrl = `${base}/#tab=generate`;
    for (let i = 0; i < reps; i++) {
      const ctx = await browser.newContext();
      const page = await newPage(ctx, generateUrl, { probe: true, init: watchFirstToken });
      tokenCold.push(await firstTokenAfter(page));
      // a fresh page of the same context (same HTTP cache and storage): a return visit
      const again = await newPage(ctx, generateUrl, { probe: true, init: watchFirstToken });
      tokenWarm.push(await firstTokenAfter(again));
      errors.push(...page.errors, ...again.errors);
      await ctx.close();
    }
    const tokenFigure = (label: string, samples: TokenSample[]): Row => ({
      label,
      value: median(samples.map((s) => s.ms)),
      unit: 'ms',
      better: 'lower',
      samples: samples.map((s) => s.ms),
      note: `model ready (Generate enabled) at ${median(samples.map((s) => s.modelReady)).toFixed(0)} ms; ${median(samples.map((s) => s.resources))} resources, ${median(samples.map((s) => s.transferKB)).toFixed(0)} kB transferred`,
    });
    rows.push(tokenFigure('navigation → first generated token (embedded model), cold cache', tokenCold));
    rows.push(tokenFigure('navigation → first generated token (embedded model), warm cache', tokenWarm));
    for (const r of rows.slice(-2)) log(r);
    return { rows, entry, preloads, cold, warm, tokenCold, tokenWarm, errors };
  },
};
