/**
 * The inference suite's second half (full runs only): a model of SmolLM2-135M's shape with random weights (see
 * ../fixtures.ts), served in the Hub's layout by the e2e suite's stand-in Hub and loaded by the app as a Hub model.
 * The embedded model takes a few ms a step, so it measures the page; this one measures the page against a real
 * model's step, with a 49,152-token vocabulary instead of 8,192.
 */
import type { Browser } from '@playwright/test';
import { startHubServer } from '../../e2e/support/hubServer';
import type { FramesMeasure } from '../page/appProbe';
import { ensureFixture, SMOLLM2_135M_RANDOM as FIXTURE } from '../fixtures';
import type { Row } from '../types';
import { benchPage, median, newPage, prompts, type BenchedPage } from './common';
import { generateInPage, type GenerateSample } from './inference';

/** The Generate lab with the fixture loaded from `hubUrl`, greedy. */
async function appWithFixture(browser: Browser, base: string, hubUrl: string): Promise<BenchedPage> {
  const page = await newPage(await browser.newContext(), `${base}/#tab=generate`, { probe: true });
  await page.locator('[data-testid="model-status"][data-status="ready"]').waitFor({ timeout: 120000 });
  await page.getByText('Any Hugging Face Hub model').click();
  await page.getByTestId('remote-host').fill(hubUrl);
  await page.getByTestId('hub-model-id').fill(FIXTURE.id);
  await page.getByTestId('hub-load').click();
  await page.locator('[data-testid="loaded-model"]', { hasText: FIXTURE.id }).waitFor({ timeout: 300000 });
  await page.locator('[data-testid="model-status"][data-status="ready"]').waitFor({ timeout: 300000 });
  await page.evaluate(() => window.__bench.setValue(document.querySelector('[data-testid="temperature"]'), '0'));
  await page.evaluate(`window.__bench.generate = ${generateInPage.toString()}`);
  return page;
}

export async function realisticModelRows(browser: Browser, base: string): Promise<{ rows: Row[]; detail: Record<string, unknown>; errors: string[] }> {
  const hub = await startHubServer({ [FIXTURE.id]: ensureFixture(FIXTURE) }, 0);
  const ctx = await browser.newContext();
  try {
    const bpage = await benchPage(ctx, base);
    const facts = await bpage.evaluate(([id, url]) => window.ntBench.useModel(id, url), [FIXTURE.id, hub.url] as const);
    const steps = 128;
    const reps = 3;
    const p = await prompts(bpage, [200, 100]);
    const ids = (n: number) => p[n].ids;
    const apage = await appWithFixture(browser, base, hub.url);
    const s = { appUi: [] as number[], app: [] as number[], bare: [] as number[], share: [] as number[], afterMs: [] as number[], stepMs: [] as number[], dropped: [] as number[], expected: [] as number[], longestTask: [] as number[], ttftApp: [] as number[], ttftBare: [] as number[] };
    await apage.evaluate(generateInPage, [p[100].text, 2] as const); // warm-up
    await bpage.evaluate(([i]) => window.ntBench.bareRun(i, 2), [ids(100)] as const);
    let tokens = 0;
    for (let i = 0; i < reps; i++) {
      const g: FramesMeasure<GenerateSample> = await apage.evaluate(([text, n]) => window.__bench.framesDuring(() => window.__bench.generate!([text, n])), [p[100].text, steps] as const);
      s.appUi.push(g.result.uiDecodeTps);
      s.app.push(g.result.tps);
      s.dropped.push(g.dropped);
      s.expected.push(g.expected);
      s.longestTask.push(g.longestTaskMs);
      tokens = g.result.tokens;
      const bare = await bpage.evaluate(([i_, k]) => window.ntBench.bareRun(i_, k), [ids(100), steps] as const);
      s.bare.push(bare.tokensPerSecond);
      const sampled = await bpage.evaluate(([i_, k]) => window.ntBench.generatorRun(i_, k, true, true), [ids(100), 32] as const);
      s.share.push(sampled.afterForward.share);
      s.afterMs.push(sampled.afterForward.ms);
      s.stepMs.push(1000 / sampled.tokensPerSecond);
      s.ttftApp.push((await apage.evaluate(generateInPage, [p[200].text, 2] as const)).ttftMs);
      s.ttftBare.push((await bpage.evaluate(([i_]) => window.ntBench.bareRun(i_, 2), [ids(200)] as const)).ttftMs);
    }
    const m = (k: keyof typeof s) => median(s[k]);
    const name = FIXTURE.label;
    const rows: Row[] = [
      {
        label: `${name}: decode as received by the UI ÷ bare loop`,
        value: m('appUi') / m('bare'),
        unit: '×',
        better: 'higher',
        digits: 2,
        target: 0.95,
        chartTarget: true,
        note: `UI ${m('appUi').toFixed(1)} tok/s (worker ${m('app').toFixed(1)}), bare loop ${m('bare').toFixed(1)} tok/s; prompt 100 + ${steps} new tokens, ${tokens} generated; vocabulary ${facts.vocabSize.toLocaleString('en-US')}`,
      },
      {
        label: `${name}: sampling + snapshot, share of a decode step`,
        value: m('share'),
        unit: '×',
        better: 'lower',
        digits: 3,
        target: 0.1,
        chartTarget: true,
        note: `${m('afterMs').toFixed(2)} ms of a ${m('stepMs').toFixed(1)} ms step, temperature 1 over all ${facts.vocabSize.toLocaleString('en-US')} tokens (app loop, bench worker)`,
      },
      {
        label: `${name}: generating ${steps} tokens, frames dropped`,
        value: m('dropped'),
        unit: `of ${m('expected').toFixed(0)}`,
        better: 'lower',
        digits: 0,
        target: 0,
        note: `longest task ${Math.max(...s.longestTask).toFixed(0)} ms (median ${m('longestTask').toFixed(0)} ms)`,
      },
      { label: `${name}: TTFT, 200-token prompt, app page`, value: m('ttftApp'), unit: 'ms', better: 'lower', baseline: { label: 'bare loop', value: m('ttftBare') } },
    ];
    const errors = [...bpage.errors, ...apage.errors];
    await apage.context().close();
    return { rows, detail: { model: facts, samples: s }, errors };
  } finally {
    await ctx.close();
    await hub.close();
  }
}
