/**
 * Accessibility: axe-core in every lab, empty and working (after a tokenization, a generation, a render, an
 * analysis), with the real embedded model. No serious or critical violation may remain.
 */
import { test, expect, type Page } from './support/test';
import AxeBuilder from '@axe-core/playwright';

async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
});

test('the Tokenizer lab, empty and with tokens', async ({ page }) => {
  await page.goto('/#tab=tokenizer');
  await page.getByTestId('tokenizer-input').fill('');
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByTestId('tokenizer-input').fill('Tokens, IDs and 🧩 bytes.');
  await expect(page.getByTestId('token').first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the Generate lab, before and after a generation', async ({ page }) => {
  await page.goto('/#tab=generate');
  await expect(page.getByTestId('loaded-model')).toHaveText('nexttoken-base', { timeout: 90_000 });
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByTestId('max-new-tokens').fill('4');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('run-summary')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('dist-row').first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the Chat & context lab, rendered', async ({ page }) => {
  await page.goto('/#tab=chat');
  await expect(page.getByTestId('rendered-template')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the Chat & context lab with a long conversation, its editors drawn near the viewport and its JSON pasted a part at a time', async ({ page }) => {
  await page.goto('/#tab=chat');
  const messages = Array.from({ length: 400 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `Message ${i + 1}, long enough that the JSON is windowed.` }));
  await page.getByTestId('chat-import-text').fill(JSON.stringify({ messages, tools: [] }));
  await expect(page.getByTestId('text-window')).toBeVisible();
  await page.getByTestId('chat-import-button').click();
  await expect(page.getByTestId('chat-messages')).toHaveAttribute('data-count', '400');
  await expect(page.getByTestId('rendered-template')).toContainText('Message 400,', { timeout: 60_000 });
  expect(await page.getByTestId('chat-message').count()).toBeLessThan(400);
  expect(await seriousViolations(page)).toEqual([]);
});

test('the Analyse lab, before and after an analysis', async ({ page }) => {
  await page.goto('/#tab=analyse');
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByTestId('analyse-run').click();
  await expect(page.getByTestId('analyse-summary')).toBeVisible({ timeout: 120_000 });
  expect(await seriousViolations(page)).toEqual([]);
});
