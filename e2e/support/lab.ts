/**
 * Page helpers for the Generate lab specs: what a person does (open the lab, type, press Generate) and what they
 * read off the page (the generated tokens, the bars). A small spy on the page's Worker records which requests the
 * UI sends to the engine and which events come back, so tests can tell a re-sample from a model run.
 */
import { expect, type Page } from '@playwright/test';
import { engineSpyScript, type EngineMessage } from './engineSpy';

/** One message between the page and its engine worker (see ./engineSpy.ts for what is read off each). */
export type EngineTraffic = EngineMessage;

/** Records every message between the page and its engine worker (the worker itself runs unchanged). */
export async function spyOnEngine(page: Page): Promise<void> {
  await page.addInitScript(engineSpyScript);
}

export function engineTraffic(page: Page): Promise<EngineTraffic[]> {
  return page.evaluate(() => window.__engineTraffic.slice());
}

/** Requests that make the model run (as opposed to re-sampling kept logits). */
export async function modelRunRequests(page: Page): Promise<number> {
  const runs = new Set(['generate', 'branch', 'run-many', 'load-model']);
  return (await engineTraffic(page)).filter((t) => t.dir === 'request' && runs.has(t.type)).length;
}

/** Opens the Generate lab with fresh settings and waits for the embedded model. */
export async function openLab(page: Page): Promise<void> {
  await page.goto('/#tab=generate');
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await expect(page.getByTestId('tab-generate')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('loaded-model')).toHaveText('nexttoken-base', { timeout: 90_000 });
  await expect(page.getByTestId('model-select')).toHaveValue('nexttoken-base');
}

export interface Settings {
  prompt?: string;
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  seed?: number;
  maxNewTokens?: number;
}

/** Types values into the prompt and the number inputs (each one next to its slider). */
export async function setUp(page: Page, s: Settings): Promise<void> {
  if (s.prompt !== undefined) await page.getByTestId('prompt-input').fill(s.prompt);
  const fields: [keyof Settings, string][] = [
    ['temperature', 'temperature'],
    ['topK', 'top-k'],
    ['topP', 'top-p'],
    ['minP', 'min-p'],
    ['seed', 'seed'],
    ['maxNewTokens', 'max-new-tokens'],
  ];
  for (const [key, testId] of fields) {
    const v = s[key];
    if (v === undefined) continue;
    await page.getByTestId(testId).fill(String(v));
    await expect(page.getByTestId(testId)).toHaveValue(String(v));
  }
}

/** Presses Generate and waits until the run is over (its summary shows) and the bars show the final settings. */
export async function generate(page: Page): Promise<void> {
  await page.getByTestId('generate').click();
  await waitForRunEnd(page);
}

export async function waitForRunEnd(page: Page): Promise<void> {
  await expect(page.getByTestId('run-summary')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('generate')).toBeEnabled();
  await expect(page.getByTestId('dist-source')).toHaveAttribute('data-source', 'current');
}

export function generatedIds(page: Page): Promise<number[]> {
  return page.getByTestId('gen-token').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-token-id'))));
}

export function promptIds(page: Page): Promise<number[]> {
  return page.getByTestId('prompt-token').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-token-id'))));
}

export interface Bar {
  id: number;
  prob: number;
}

export function bars(page: Page): Promise<Bar[]> {
  return page
    .getByTestId('dist-row')
    .evaluateAll((els) => els.map((e) => ({ id: Number(e.getAttribute('data-token-id')), prob: Number(e.getAttribute('data-prob')) })));
}

/** Clicks the token of step `step` (0-based) in the generated text and waits for its bars under the current settings. */
export async function selectStep(page: Page, step: number): Promise<void> {
  await page.getByTestId('gen-token').nth(step).click();
  await expect(page.getByTestId('gen-token').nth(step)).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('heading', { name: new RegExp(`distribution at step ${step + 1} `) })).toBeVisible();
  await expect(page.getByTestId('dist-source')).toHaveAttribute('data-source', 'current');
}
