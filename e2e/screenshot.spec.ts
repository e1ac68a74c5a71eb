import { test, expect } from './support/test';
import { referenceIds } from '../tests/reference/tokenizerReference';

// The README's screenshot comes from the real app, taken by this spec: `npm run screenshot` runs it alone (never `npm test`).
test('README screenshot of the tokenizer lab', async ({ page }) => {
  const text = 'Tokens are not words: "unbelievable" → un·believ·able, 🧩 is bytes, and   spaces count.\nNew lines too.';
  await page.setViewportSize({ width: 1200, height: 820 });
  await page.goto('/');
  await page.getByTestId('tokenizer-select').selectOption('o200k_base');
  await page.getByTestId('tokenizer-input').fill(text);
  const ids = await referenceIds('o200k_base', text);
  await expect(page.getByTestId('token-count')).toHaveText(String(ids.length));
  await page.getByTestId('token').nth(3).hover();
  await page.getByTestId('compare-run').click();
  await expect(page.getByTestId('compare-row')).toHaveCount(8);
  await page.screenshot({ path: 'docs/screenshot.png', fullPage: false });
});
