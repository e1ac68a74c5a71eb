/** 2. Paste and edit in the real app page (tokenizer lab): time to the count and the chips, and the longest task. */
import type { BrowserContext } from '@playwright/test';
import type { Row, Suite } from '../types';
import { MB, englishText, median, newPage, type BenchedPage } from './common';

async function appTokenizerPage(ctx: BrowserContext, base: string, tokenizerId: string): Promise<BenchedPage> {
  const page = await newPage(ctx, `${base}/#tab=tokenizer`, { probe: true });
  await page.getByTestId('tokenizer-select').selectOption(tokenizerId);
  await page.locator('[data-testid="tokenizer-status"][data-status="ready"]').waitFor({ timeout: 60000 });
  await page.getByTestId('token-count').waitFor();
  return page;
}

/** A whole text set in one go (like a paste), or one character typed at `typeAt` / deleted at `deleteAt`. */
type PasteInput = string | { typeAt: number; deleteAt?: undefined } | { deleteAt: number; typeAt?: undefined };

interface PasteSample {
  tokens: number;
  dispatchMs: number;
  messageMs: number;
  workerMs: number;
  reencoded: number;
  countMs: number;
  chipsMs: number;
  paintedMs: number;
  longestTaskMs: number;
}

/**
 * In the page: sets the textarea in one go (like a paste), or types one character the way a keystroke does (or
 * deletes it again), and times the count and the chips reaching the DOM.
 */
function pasteInPage(input: PasteInput): Promise<PasteSample> {
  const B = window.__bench;
  const el = document.querySelector('[data-testid="tokenizer-input"]') as HTMLTextAreaElement;
  return (async () => {
    let length = typeof input === 'string' ? input.length : 0;
    if (typeof input !== 'string') {
      const at = input.typeAt ?? input.deleteAt;
      // a large text is edited a part at a time: bring the part holding `at` into the field first
      const position = document.querySelector('[data-testid="text-window-position"]');
      if (position && !(Number(el.dataset.windowStart) <= at && at < Number(el.dataset.windowEnd))) {
        B.setValue(position, String(at));
        await B.nextFrame();
      }
      const windowStart = Number(el.dataset.windowStart ?? 0);
      length = Number(el.dataset.textLength) + (input.typeAt !== undefined ? 1 : -1);
      el.focus();
      el.setSelectionRange(at - windowStart, input.typeAt !== undefined ? at - windowStart : at - windowStart + 1);
    }
    await B.nextFrame();
    const t0 = performance.now();
    if (typeof input === 'string') B.setValue(el, input);
    else if (input.typeAt !== undefined) document.execCommand('insertText', false, '§');
    else document.execCommand('delete');
    const afterDispatch = performance.now() - t0;
    const msg = () => B.events('tokenized').find((m) => m.t >= t0 && m.textLength === length);
    const count = await B.until(() => {
      const m = msg();
      return m && B.digits(document.querySelector('[data-testid="token-count"]')) === m.tokens ? m : null;
    });
    const m = count.value;
    const n = m.tokens ?? 0;
    const want = Math.min(n, 2000);
    const chips = await B.until(() => {
      const all = document.querySelectorAll<HTMLElement>('[data-testid="token"]');
      return all.length === want && Number(all[all.length - 1].dataset.tokenIndex) === want - 1;
    });
    const painted = await B.nextFrame();
    await new Promise((r) => setTimeout(r, 200)); // let the long-task observer report
    const [from, to] = m.reencoded ?? [0, 0];
    return {
      tokens: n,
      dispatchMs: afterDispatch,
      messageMs: m.t - t0,
      workerMs: m.ms ?? NaN,
      reencoded: to - from,
      countMs: count.t - t0,
      chipsMs: chips.t - t0,
      paintedMs: painted - t0,
      longestTaskMs: B.longestTask(t0, performance.now()),
    };
  })();
}

const sizeLabel = (size: number) => (size >= MB ? '1 MB' : `${Math.round(size / 1024)} KB`);

export const paste: Suite = {
  name: 'paste',
  title: 'Paste and edit in the real app page (tokenizer lab)',
  async run({ browser, base, quick, log }) {
    const eng = englishText().text;
    const reps = quick ? 1 : 3;
    const sizes = quick ? [100 * 1024] : [100 * 1024, MB];
    const ids = quick ? ['o200k_base'] : ['o200k_base', 'llama3', 'gemma3'];
    const rows: Row[] = [];
    const runs: Record<string, PasteSample[]> = {};
    for (const id of ids) {
      for (const size of sizes) {
        const samples: PasteSample[] = [];
        for (let i = 0; i < reps; i++) {
          // a fresh page each time: the paste replaces a short text, as a user's first paste does
          const ctx = await browser.newContext();
          const page = await appTokenizerPage(ctx, base, id);
          samples.push(await page.evaluate(pasteInPage, eng.slice(i, i + size)));
          await ctx.close();
        }
        runs[`${id}/${size}`] = samples;
        const kb = sizeLabel(size);
        rows.push({ label: `${id} paste ${kb} → count rendered`, value: median(samples.map((s) => s.countMs)), unit: 'ms', better: 'lower', target: size >= MB ? 1000 : undefined });
        rows.push({ label: `${id} paste ${kb} → all chips rendered`, value: median(samples.map((s) => s.chipsMs)), unit: 'ms', better: 'lower' });
        rows.push({ label: `${id} paste ${kb}: longest main-thread task`, value: median(samples.map((s) => s.longestTaskMs)), unit: 'ms', better: 'lower', target: 100 });
        for (const r of rows.slice(-3)) log(r);
      }
    }
    // one-character edits in the largest text: the incremental path
    const size = sizes[sizes.length - 1];
    const ctx = await browser.newContext();
    const page = await appTokenizerPage(ctx, base, 'o200k_base');
    const text = eng.slice(0, size);
    await page.evaluate(pasteInPage, text);
    const at = text.indexOf(' ', size >> 1);
    const edits: PasteSample[] = [];
    // keystrokes: type a character in the middle, then delete it again; the first few warm up the
    // JIT (as a user's first keystrokes do) and are not counted
    const warmup = quick ? 0 : 4;
    for (let i = 0; i < warmup + (quick ? 2 : 20); i++) {
      const sample = await page.evaluate(pasteInPage, i % 2 ? { deleteAt: at } : { typeAt: at });
      if (i >= warmup) edits.push(sample);
    }
    await ctx.close();
    runs.edit = edits;
    const kb = sizeLabel(size);
    rows.push({ label: `o200k_base keystroke in ${kb} → count rendered`, value: median(edits.map((s) => s.countMs)), unit: 'ms', better: 'lower', target: 16.7, note: `worker ${median(edits.map((s) => s.workerMs)).toFixed(1)} ms, ${median(edits.map((s) => s.reencoded))} tokens re-encoded` });
    rows.push({ label: `o200k_base keystroke in ${kb}: longest task`, value: median(edits.map((s) => s.longestTaskMs)), unit: 'ms', better: 'lower', target: 100 });
    for (const r of rows.slice(-2)) log(r);
    return { rows, runs };
  },
};
