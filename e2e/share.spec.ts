/**
 * Share links and exports, with the real embedded model: every lab's link opens the same state in a fresh browser
 * profile, a too-long state is refused, a malformed link changes nothing, and every export re-imports to the same
 * view.
 */
import { test, expect, type Page } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function fresh(page: Page, tab: string) {
  await page.goto(`/#tab=${tab}`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(`/#tab=${tab}`);
}

/** Makes the lab's link, then opens it with nothing stored (as someone else would). */
async function shareAndOpen(page: Page): Promise<string> {
  await page.getByTestId('share-link-button').click();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link).toContain('#share=');
  await page.goto('/#tab=tokenizer');
  await page.evaluate(() => localStorage.clear());
  await page.goto('about:blank');
  await page.goto(link); // the page loads with the link in its address
  return link;
}

async function saveDownload(page: Page, testId: string, chart?: string): Promise<string> {
  const download = page.waitForEvent('download');
  await page.locator(chart ? `[data-testid="${testId}"][data-chart="${chart}"]` : `[data-testid="${testId}"]`).click();
  return (await (await download).path())!;
}

test('the Analyse lab link carries the text', async ({ page }) => {
  await fresh(page, 'analyse');
  const text = 'Shared text: ünïcödé, "quotes", 🧩 and\nnew lines.';
  await page.getByTestId('analyse-input').fill(text);
  await shareAndOpen(page);
  await expect(page.getByRole('tab', { name: 'Analyse' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('analyse-input')).toHaveValue(text);
  await expect(page.getByTestId('share-notice')).toHaveAttribute('data-kind', 'applied');
});

test('the Chat lab link carries the conversation (compressed), the template and the priced model', async ({ page }) => {
  await fresh(page, 'chat');
  await page.getByTestId('chat-template-select').selectOption('llama3');
  await page.getByTestId('pricing-model-select').selectOption('anthropic/claude-3-5-haiku-20241022');
  await page.getByTestId('chat-message-content').first().fill('A system prompt that was edited before sharing.');
  const before = await page.getByTestId('chat-message-content').evaluateAll((els) => els.map((e) => (e as HTMLTextAreaElement).value));
  const link = await shareAndOpen(page);
  expect(link).toMatch(/#share=chat\.z[A-Za-z0-9_-]+$/); // compressed
  await expect(page.getByTestId('chat-message-content')).toHaveCount(before.length);
  expect(await page.getByTestId('chat-message-content').evaluateAll((els) => els.map((e) => (e as HTMLTextAreaElement).value))).toEqual(before);
  await expect(page.getByTestId('chat-template-select')).toHaveValue('llama3');
  await expect(page.getByTestId('pricing-model-select')).toHaveValue('anthropic/claude-3-5-haiku-20241022');
});

test('the Generate lab link carries the model, prompt, settings, seed and constraint', async ({ page }) => {
  await fresh(page, 'generate');
  await expect(page.getByTestId('loaded-model')).toHaveText('nexttoken-base', { timeout: 90_000 });
  await page.getByTestId('prompt-input').fill('Once upon a shared time');
  await page.getByTestId('temperature').fill('0.7');
  await page.getByTestId('seed').fill('1234');
  await page.getByTestId('max-new-tokens').fill('9');
  await page.getByTestId('constraint-kind').selectOption('regex');
  await page.getByTestId('constraint-text').fill('[a-z ]{3,12}\\.');
  await page.getByTestId('seed').blur();
  await shareAndOpen(page);
  await expect(page.getByRole('tab', { name: 'Generate' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('prompt-input')).toHaveValue('Once upon a shared time');
  await expect(page.getByTestId('temperature')).toHaveValue('0.7');
  await expect(page.getByTestId('seed')).toHaveValue('1234');
  await expect(page.getByTestId('max-new-tokens')).toHaveValue('9');
  await expect(page.getByTestId('constraint-kind')).toHaveValue('regex');
  await expect(page.getByTestId('constraint-text')).toHaveValue('[a-z ]{3,12}\\.');
  await expect(page.getByTestId('loaded-model')).toHaveText('nexttoken-base', { timeout: 90_000 });
});

test('a state too long for a link is refused with a message; a malformed link changes nothing', async ({ page }) => {
  await fresh(page, 'chat');
  // random text does not compress
  let noise = '';
  for (let i = 0; i < 12_000; i++) noise += String.fromCharCode(33 + ((i * 7919 + (i * i) % 9973) % 90));
  await page.getByTestId('chat-message-content').first().fill(noise);
  await page.getByTestId('share-link-button').click();
  await expect(page.getByTestId('share-error')).toContainText('too long for a link');
  await expect(page.getByTestId('share-link')).toHaveCount(0);

  await fresh(page, 'chat');
  const before = await page.getByTestId('chat-message-content').evaluateAll((els) => els.map((e) => (e as HTMLTextAreaElement).value));
  await page.goto('/#share=chat.zAAAAAAAAAAAAAAA');
  await expect(page.getByTestId('share-notice')).toContainText('This share link cannot be opened: its compressed data is damaged');
  await expect(page.getByTestId('share-notice')).toHaveAttribute('data-kind', 'error');
  expect(await page.getByTestId('chat-message-content').evaluateAll((els) => els.map((e) => (e as HTMLTextAreaElement).value))).toEqual(before);
  await page.goto('/#share=nolab.j1234');
  await expect(page.getByTestId('share-notice')).toContainText('it names no lab of this app');
});

test('an analysis exported as JSON re-imports to the same view; CSV has a row per token; a wrong file is refused', async ({ page }) => {
  await fresh(page, 'analyse');
  await page.getByTestId('analyse-input').fill('The little robot walked to the river and looked at the water.');
  await page.getByTestId('analyse-run').click();
  await expect(page.getByTestId('analyse-summary')).toBeVisible({ timeout: 120_000 });
  const tokens = () => page.getByTestId('analysed-token').evaluateAll((els) => els.map((e) => [e.textContent, e.getAttribute('data-token-id'), e.getAttribute('data-prob'), e.getAttribute('data-rank')]));
  const shown = await tokens();
  const summary = await page.getByTestId('analyse-summary').textContent();
  const json = await saveDownload(page, 'analysis-export-json');
  const csv = readFileSync(await saveDownload(page, 'analysis-export-csv'), 'utf8');
  expect(csv.trimEnd().split('\r\n')).toHaveLength(shown.length + 1);

  await fresh(page, 'analyse');
  await page.getByTestId('analysis-import-file').setInputFiles(json);
  await expect(page.getByTestId('analysed-token')).toHaveCount(shown.length);
  expect(await tokens()).toEqual(shown);
  await expect(page.getByTestId('analyse-summary')).toHaveText(summary!);

  const wrong = join(tmpdir(), `not-an-analysis-${Date.now()}.json`);
  writeFileSync(wrong, JSON.stringify({ format: 'nexttoken.run', version: 1 }));
  await page.getByTestId('analysis-import-file').setInputFiles(wrong);
  await expect(page.getByTestId('analysis-import-error')).toContainText('is not an Analyse lab export');
  expect(await tokens()).toEqual(shown);
});

test('a run exported as JSON re-imports to the same tokens and distribution; a malformed file is refused', async ({ page }) => {
  await fresh(page, 'generate');
  await expect(page.getByTestId('loaded-model')).toHaveText('nexttoken-base', { timeout: 90_000 });
  await page.getByTestId('max-new-tokens').fill('5');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('run-summary')).toBeVisible({ timeout: 120_000 });
  const tokens = () => page.getByTestId('gen-token').evaluateAll((els) => els.map((e) => e.textContent));
  const bars = () => page.getByTestId('dist-row').evaluateAll((els) => els.map((e) => e.textContent));
  const shownTokens = await tokens();
  await page.getByTestId('gen-token').nth(2).click();
  const shownBars = await bars();
  const json = await saveDownload(page, 'run-export-json');
  const exported = JSON.parse(readFileSync(json, 'utf8'));
  expect(exported.model).toBe('nexttoken-base');
  expect(exported.steps).toHaveLength(shownTokens.length);
  expect(exported.steps[0].distribution.candidates.length).toBeGreaterThan(1);
  expect(JSON.stringify(exported)).not.toMatch(/apiKey|serverApiKey/);
  const csv = readFileSync(await saveDownload(page, 'run-export-csv'), 'utf8');
  expect(csv.trimEnd().split('\r\n')).toHaveLength(shownTokens.length + 1);

  await fresh(page, 'generate');
  await expect(page.getByTestId('loaded-model')).toHaveText('nexttoken-base', { timeout: 90_000 });
  await page.getByTestId('run-import-file').setInputFiles(json);
  await expect(page.getByTestId('gen-token')).toHaveCount(shownTokens.length);
  expect(await tokens()).toEqual(shownTokens);
  await page.getByTestId('gen-token').nth(2).click();
  await expect(page.getByTestId('dist-row')).toHaveCount(shownBars.length);
  expect(await bars()).toEqual(shownBars);

  const broken = join(tmpdir(), `broken-run-${Date.now()}.json`);
  writeFileSync(broken, '{"format": "nexttoken.run", "version": 1, "steps": [');
  await page.getByTestId('run-import-file').setInputFiles(broken);
  await expect(page.getByTestId('run-import-error')).toContainText('cannot be imported');
  expect(await tokens()).toEqual(shownTokens);
});

test('charts download as standalone SVG (same elements, styles inlined) and as PNG at twice their size', async ({ page }) => {
  await fresh(page, 'chat');
  await page.getByTestId('growth-turns').fill('6');
  const chart = page.locator('svg.growth-chart');
  await expect(chart).toBeVisible();
  for (const name of ['growth', 'context-budget']) {
    const svgFile = readFileSync(await saveDownload(page, 'chart-svg', name), 'utf8');
    expect(svgFile).toContain('xmlns="http://www.w3.org/2000/svg"');
    const frame = page.locator(`.chart-frame:has([data-chart="${name}"]) svg`).first();
    const inPage = await frame.evaluate((svg) => svg.querySelectorAll('*').length);
    const inFile = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return doc.querySelector('parsererror') ? -1 : doc.documentElement.querySelectorAll('*').length;
    }, svgFile);
    expect(inFile).toBe(inPage);
    const png = readFileSync(await saveDownload(page, 'chart-png', name));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const width = png.readUInt32BE(16);
    const box = await frame.boundingBox();
    expect(width).toBe(Math.round(box!.width) * 2);
  }
});
