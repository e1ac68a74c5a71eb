/**
 * 3. Inference on WASM: the app page, the app's loop in a bare worker, the bare loop, Transformers.js, with the
 * embedded model; then (full runs only) the app page against the bare loop with a model of SmolLM2-135M's shape.
 */
import type { Browser, BrowserContext } from '@playwright/test';
import type { Row, Suite } from '../types';
import { benchPage, median, newPage, prompts, type BenchedPage } from './common';
import { realisticModelRows } from './realisticModel';

/** The Generate lab with the embedded model loaded, greedy. */
async function appInferencePage(ctx: BrowserContext, base: string): Promise<BenchedPage> {
  const page = await newPage(ctx, `${base}/#tab=generate`, { probe: true });
  await page.locator('[data-testid="model-status"][data-status="ready"]').waitFor({ timeout: 120000 });
  await page.evaluate(() => window.__bench.setValue(document.querySelector('[data-testid="temperature"]'), '0'));
  return page;
}

export interface GenerateSample {
  runId?: string | number;
  tokens: number;
  ttftMs: number;
  /** decode tokens/s as the worker measured it */
  tps: number;
  reason?: string;
  /** decode tokens/s as step events reached the UI thread */
  uiDecodeTps: number;
  firstStepAtUiMs: number;
  allInDomMs: number;
  shown: { ttft?: string | null; tps?: string | null };
}

/** In the app page: generates; resolves once the run is done and every generated token is in the DOM. */
export function generateInPage([promptText, maxNew]: readonly [string, number]): Promise<GenerateSample> {
  const B = window.__bench;
  return (async () => {
    B.setValue(document.querySelector('[data-testid="prompt-input"]'), promptText);
    B.setValue(document.querySelector('[data-testid="max-new-tokens"]'), String(maxNew));
    await B.nextFrame();
    const button = () => document.querySelector('[data-testid="generate"]') as HTMLButtonElement;
    await B.until(() => !button().disabled);
    const t0 = performance.now();
    button().click();
    const done = (await B.until(() => B.events('run-done').find((d) => d.t >= t0), 120000)).value;
    const tokens = done.tokens ?? 0;
    const dom = await B.until(() => document.querySelectorAll('[data-testid="gen-token"]').length >= tokens);
    const steps = B.events('step')
      .filter((s) => s.runId === done.runId)
      .map((s) => s.t);
    const uiDecodeTps = steps.length > 2 ? ((steps.length - 2) * 1000) / (steps[steps.length - 1] - steps[1]) : 0;
    return {
      runId: done.runId,
      tokens,
      ttftMs: done.ttftMs ?? NaN,
      tps: done.tokensPerSecond ?? NaN,
      reason: done.reason,
      uiDecodeTps,
      firstStepAtUiMs: steps[0] - t0,
      allInDomMs: dom.t - t0,
      shown: { ttft: document.querySelector('[data-testid="ttft-ms"]')?.textContent, tps: document.querySelector('[data-testid="tokens-per-second"]')?.textContent },
    };
  })();
}

/**
 * For the suites that watch the app generate: a fresh context with the Generate lab ready, and a prompt (made on the
 * bench page) that leaves room in the model's window for `steps` new tokens and 8 more.
 */
export async function generateLab(browser: Browser, base: string, steps: number): Promise<{ ctx: BrowserContext; page: BenchedPage; prompt: string }> {
  const ctx = await browser.newContext();
  const bpage = await benchPage(ctx, base);
  const facts = await bpage.evaluate(() => window.ntBench.modelFacts());
  const length = Math.max(8, Math.min(100, facts.contextWindow - steps - 8));
  const prompt = (await prompts(bpage, [length]))[length].text;
  await bpage.close();
  return { ctx, page: await appInferencePage(ctx, base), prompt };
}

type SampleKey = 'app' | 'appUi' | 'gen' | 'genMasked' | 'maskMs' | 'bare' | 'pipe' | 'genNoKv' | 'pipeNoKv' | 'ttftGen' | 'ttftBare' | 'ttftPipe' | 'ttftApp';

export const inference: Suite = {
  name: 'inference',
  title: 'Inference with the embedded model on WASM (app page vs bare loop vs Transformers.js pipeline)',
  async run({ browser, base, quick, log }) {
    const ctx = await browser.newContext();
    const bpage = await benchPage(ctx, base);
    const facts = await bpage.evaluate(() => window.ntBench.modelFacts());
    const window_ = facts.contextWindow;
    // TTFT on a ~200-token prompt; decode on a shorter prompt so prompt + new tokens fit the window
    const steps = quick ? 16 : 128;
    const ttftLen = Math.min(200, window_ - 9);
    const decodeLen = Math.max(8, Math.min(100, window_ - steps - 8));
    const p = await prompts(bpage, [ttftLen, decodeLen]);
    const reps = quick ? 1 : 5;
    const s: Record<SampleKey, number[]> = { app: [], appUi: [], gen: [], genMasked: [], maskMs: [], bare: [], pipe: [], genNoKv: [], pipeNoKv: [], ttftGen: [], ttftBare: [], ttftPipe: [], ttftApp: [] };
    let appTokens = 0;
    const ids = (n: number) => p[n].ids;
    const gen = (n: number, steps_: number, kv: boolean) => bpage.evaluate(([i, k, c]) => window.ntBench.generatorRun(i, k, c), [ids(n), steps_, kv] as const);
    const bare = (n: number, steps_: number) => bpage.evaluate(([i, k]) => window.ntBench.bareRun(i, k), [ids(n), steps_] as const);
    const masked = (n: number, steps_: number) => bpage.evaluate(([i, k]) => window.ntBench.constrainedRun(i, k), [ids(n), steps_] as const);
    const pipe = (n: number, steps_: number, kv = true) => bpage.evaluate(([i, k, c]) => window.ntBench.pipelineRun(i, k, c), [ids(n), steps_, kv] as const);
    await bare(decodeLen, 2); // warm-up
    await pipe(decodeLen, 2);
    const apage = await appInferencePage(ctx, base);
    await apage.evaluate(generateInPage, [p[decodeLen].text, 2] as const); // warm-up
    for (let i = 0; i < reps; i++) {
      const a = await apage.evaluate(generateInPage, [p[decodeLen].text, steps] as const);
      s.app.push(a.tps);
      s.appUi.push(a.uiDecodeTps);
      appTokens = a.tokens;
      s.ttftApp.push((await apage.evaluate(generateInPage, [p[ttftLen].text, 4] as const)).ttftMs);
      s.gen.push((await gen(decodeLen, steps, true)).tokensPerSecond);
      const constrained = await masked(decodeLen, steps);
      s.genMasked.push(constrained.tokensPerSecond);
      s.maskMs.push(constrained.maskMsPerStep);
      s.bare.push((await bare(decodeLen, steps)).tokensPerSecond);
      s.pipe.push((await pipe(decodeLen, steps)).tokensPerSecond);
      s.ttftGen.push((await gen(ttftLen, 2, true)).ttftMs);
      s.ttftBare.push((await bare(ttftLen, 2)).ttftMs);
      s.ttftPipe.push((await pipe(ttftLen, 2)).ttftMs);
      const nk = Math.min(steps, quick ? 8 : 32);
      s.genNoKv.push((await gen(decodeLen, nk, false)).tokensPerSecond);
      s.pipeNoKv.push((await pipe(decodeLen, nk, false)).tokensPerSecond);
    }
    const m = (k: SampleKey) => median(s[k]);
    const setup = `prompt ${decodeLen} + ${steps} new tokens (window ${window_})`;
    const rows: Row[] = [
      { label: `TTFT, ${ttftLen}-token prompt: app page (worker → UI)`, value: m('ttftApp'), unit: 'ms', better: 'lower', baseline: { label: 'bare loop', value: m('ttftBare') } },
      { label: `TTFT, ${ttftLen}-token prompt: app loop, bench worker`, value: m('ttftGen'), unit: 'ms', better: 'lower', baseline: { label: 'Transformers.js pipeline', value: m('ttftPipe') } },
      { label: 'decode as received by the UI ÷ bare loop', value: m('appUi') / m('bare'), unit: '×', better: 'higher', digits: 2, target: 0.95, chartTarget: true, note: `UI ${m('appUi').toFixed(1)} tok/s, bare loop ${m('bare').toFixed(1)} tok/s` },
      { label: `decode, app page, distributions streamed to UI`, value: m('app'), unit: 'tok/s', better: 'higher', baseline: { label: 'bare loop', value: m('bare') }, note: `${setup}; ${appTokens} tokens (stops at EOS); as received by the UI: ${m('appUi').toFixed(1)} tok/s` },
      { label: `decode, app loop, bench worker (Generator, no UI)`, value: m('gen'), unit: 'tok/s', better: 'higher', baseline: { label: 'bare loop', value: m('bare') } },
      {
        label: `decode, app loop with a grammar mask (XGrammar)`,
        value: m('genMasked'),
        unit: 'tok/s',
        better: 'higher',
        baseline: { label: 'unconstrained', value: m('gen') },
        note: `${setup}; mask ${m('maskMs').toFixed(3)} ms per step`,
      },
      { label: 'decode speed, constrained ÷ unconstrained', value: m('genMasked') / m('gen'), unit: '×', better: 'higher', digits: 2, target: 0.9, chartTarget: true },
      { label: `decode, bare loop, bench worker (bareGreedyDecode)`, value: m('bare'), unit: 'tok/s', better: 'higher', baseline: { label: 'Transformers.js pipeline', value: m('pipe') } },
      { label: `decode, app page`, value: m('app'), unit: 'tok/s', better: 'higher', baseline: { label: 'Transformers.js pipeline', value: m('pipe') } },
      { label: `decode, KV cache off (app loop)`, value: m('genNoKv'), unit: 'tok/s', better: 'higher', baseline: { label: 'KV cache on', value: m('gen') } },
      { label: `decode, KV cache off (Transformers.js pipeline)`, value: m('pipeNoKv'), unit: 'tok/s', better: 'higher', baseline: { label: 'KV cache on', value: m('pipe') }, note: 'use_cache: false passed to the pipeline; equal speeds mean Transformers.js kept the cache anyway' },
    ];
    for (const r of rows) log(r);
    const errors = [...bpage.errors, ...apage.errors];
    await ctx.close();
    const realistic = quick ? null : await realisticModelRows(browser, base);
    for (const r of realistic?.rows ?? []) log(r);
    return {
      rows: [...rows, ...(realistic?.rows ?? [])],
      model: facts,
      prompt: { ttftTokens: ttftLen, decodeTokens: decodeLen, newTokens: steps },
      samples: { ...s, appTokens },
      realistic: realistic?.detail,
      errors: [...errors, ...(realistic?.errors ?? [])],
    };
  },
};
