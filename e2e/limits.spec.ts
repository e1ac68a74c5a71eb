/** Inputs larger than the model can take are said plainly, with the numbers. */
import { test, expect } from './support/test';
import { openLab } from './support/lab';

test('a prompt longer than the context window says its token count against the window', async ({ page }) => {
  await openLab(page);
  const prompt = 'The keeper climbed the stairs of the lighthouse and lit the lamp. '.repeat(760); // ≈ 50,000 characters
  await page.getByTestId('prompt-input').fill(prompt);
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('generation-error')).toContainText(/The prompt alone is [\d,]+ tokens, and the model's context window is 256/);
  const tokens = Number((await page.getByTestId('generation-error').textContent())!.match(/alone is ([\d,]+) tokens/)![1].replace(/,/g, ''));
  expect(tokens).toBeGreaterThan(256);
  await expect(page.getByTestId('prompt-input')).toHaveValue(prompt);
  await expect(page.getByTestId('generate')).toBeEnabled();
});
