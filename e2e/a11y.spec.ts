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

test('the Analyse lab, before and after an analysis', async ({ page }) => {
  await page.goto('/#tab=analyse');
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByTestId('analyse-run').click();
  await expect(page.getByTestId('analyse-summary')).toBeVisible({ timeout: 120_000 });
  expect(await seriousViolations(page)).toEqual([]);
});
