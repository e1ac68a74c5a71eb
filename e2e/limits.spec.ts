/** Inputs larger than the model can take are said plainly, with the numbers. */
import type { Page } from '@playwright/test';
import { test, expect } from './support/test';
import { openLab, setUp, waitForRunEnd } from './support/lab';

const LONG_PROMPT = 'The keeper climbed the stairs of the lighthouse and lit the lamp. '.repeat(760); // ≈ 50,000 characters

/** A prompt this long is edited a window at a time: the field holds the window's exact slice of the whole prompt. */
async function expectWindowedPrompt(page: Page, text: string) {
  const field = page.getByTestId('prompt-input');
  await expect(field).toHaveAttribute('data-text-length', String(text.length));
  const start = Number(await field.getAttribute('data-window-start'));
  const end = Number(await field.getAttribute('data-window-end'));
  expect(end - start).toBeGreaterThan(0);
  expect(end - start).toBeLessThan(text.length / 4);
  await expect(field).toHaveValue(text.slice(start, end));
  await expect(page.getByTestId('text-window')).toContainText(`of ${text.length.toLocaleString('en')}`);
}

test('a prompt longer than the context window says its token count against the window before Generate', async ({ page }) => {
  await openLab(page);
  await page.getByTestId('prompt-input').fill(LONG_PROMPT);
  const notice = page.getByTestId('prompt-too-long');
  await expect(notice).toContainText(/The prompt alone is [\d,]+ tokens against a 256-token window/);
  const tokens = Number((await notice.textContent())!.match(/alone is ([\d,]+) tokens/)![1].replace(/,/g, ''));
  expect(tokens).toBeGreaterThan(256);
  await expect(page.getByTestId('generate')).toBeDisabled();
  await expectWindowedPrompt(page, LONG_PROMPT);
  // a prompt that fits again (the field holds a window of the long one: clear it all first): the notice goes and
  // Generate can run
  await page.getByTestId('text-clear').click();
  await page.getByTestId('prompt-input').fill('The keeper climbed');
  await expect(notice).toHaveCount(0);
  await expect(page.getByTestId('prompt-input')).toHaveValue('The keeper climbed');
  await expect(page.getByTestId('text-window')).toHaveCount(0);
  await expect(page.getByTestId('generate')).toBeEnabled();
});

test('keeping the last tokens of a too-long prompt leaves room for the new tokens, and the whole prompt can be put back', async ({ page }) => {
  await openLab(page);
  await setUp(page, { temperature: 0, maxNewTokens: 8 });
  await page.getByTestId('prompt-input').fill(LONG_PROMPT);
  // the window is 256 tokens: the end kept is as long as fits with 8 new tokens after it
  await expect(page.getByTestId('prompt-keep-end')).toHaveText(/^Keep its last \d+ tokens \(room for \d+ new\)$/);
  const [, keptTokens, room] = (await page.getByTestId('prompt-keep-end').textContent())!.match(/last (\d+) tokens \(room for (\d+) new/)!.map(Number);
  expect(keptTokens + room).toBe(256);
  expect(room).toBeGreaterThanOrEqual(8);
  expect(keptTokens).toBeGreaterThan(240);
  await page.getByTestId('prompt-keep-end').click();
  const kept = await page.getByTestId('prompt-input').inputValue();
  expect(kept.length).toBeGreaterThan(200);
  expect(kept.length).toBeLessThan(LONG_PROMPT.length / 10);
  expect(LONG_PROMPT.endsWith(kept)).toBe(true);
  await expect(page.getByTestId('prompt-too-long')).toHaveCount(0);
  await expect(page.getByTestId('prompt-cut')).toContainText(`cut to its last ${keptTokens} tokens`);
  await page.getByTestId('generate').click();
  await waitForRunEnd(page);
  // the kept end is the prompt the model read, and the 8 new tokens fit after it
  await expect(page.getByTestId('run-summary')).toHaveAttribute('data-reason', /max-tokens|eos/);
  const used = Number(await page.getByTestId('context-meter').getAttribute('data-used'));
  expect(used).toBeGreaterThan(keptTokens);
  expect(used).toBeLessThanOrEqual(keptTokens + 8);
  await page.getByTestId('prompt-cut-undo').click();
  await expectWindowedPrompt(page, LONG_PROMPT);
  await expect(page.getByTestId('prompt-too-long')).toBeVisible();
});
