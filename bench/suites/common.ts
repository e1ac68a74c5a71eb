/**
 * What the suites share: medians, the English text, opening the app and bench pages (with the engine spy and the
 * probe where asked), and the prompts the embedded model's tokenizer makes.
 */
import type { BrowserContext, Page } from '@playwright/test';
import { engineSpyScript } from '../../e2e/support/engineSpy';
import { appProbeScript } from '../page/appProbe';
import { englishProse, type EnglishProse } from '../texts';

export const MB = 1 << 20;

export const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

let english: EnglishProse | null = null;
/** About 1 MB of English prose (see ../texts.ts), read once per run. */
export function englishText(): EnglishProse {
  english ??= englishProse(MB);
  return english;
}

/** A page whose errors (uncaught, console, HTTP) are collected in `errors`. */
export interface BenchedPage extends Page {
  errors: string[];
}

/**
 * The functions the suites hand to page.evaluate are this file's TypeScript as the runner (tsx) compiled it, which
 * wraps inner functions in `__name(fn, "name")`: the page only needs the helper to exist.
 */
const NAME_HELPER = 'globalThis.__name ??= (f) => f;';

/**
 * Opens `url` in a new page of `ctx`. `probe`: with the engine spy and the bench probe (`window.__bench`); `init`: page
 * source to run after them, before the page's own scripts (one init script, so the order holds).
 */
export async function newPage(ctx: BrowserContext, url: string, { probe = false, init = '' } = {}): Promise<BenchedPage> {
  const page = (await ctx.newPage()) as BenchedPage;
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`HTTP ${r.status()} ${r.url()}`);
  });
  await page.addInitScript([NAME_HELPER, ...(probe ? [engineSpyScript, appProbeScript] : []), init].join('\n'));
  page.errors = errors;
  await page.goto(url);
  return page;
}

/** The bench page (bench/page/), once its `window.ntBench` is ready. */
export async function benchPage(ctx: BrowserContext, base: string): Promise<BenchedPage> {
  const page = await newPage(ctx, `${base}/bench/page/index.html`);
  await page.waitForFunction(() => window.ntBench?.ready === true, null, { timeout: 30000 });
  return page;
}

/** Prompt texts that the embedded model's tokenizer turns into `n` tokens (context window permitting). */
export async function prompts(bpage: Page, lengths: number[]): Promise<Record<number, { ids: number[]; text: string }>> {
  const eng = englishText().text.slice(0, 20000);
  const out: Record<number, { ids: number[]; text: string }> = {};
  for (const n of lengths) out[n] = await bpage.evaluate(([t, k]) => window.ntBench.promptOf(t, k), [eng, n] as const);
  return out;
}
