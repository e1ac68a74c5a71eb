/** Saved settings that were tampered with fall back per field to their defaults, and the page says which. */
import { test, expect } from './support/test';

test('tampered Generate settings: the valid ones are kept, the others reset, and a notice names them', async ({ page }) => {
  await page.goto('/#tab=generate');
  await page.evaluate(() => {
    localStorage.clear();
    localStorage.setItem(
      'nexttoken.inference.v1',
      JSON.stringify({ version: 2, state: { prompt: 'A prompt that was saved', settings: { temperature: 'abc', topK: 12 }, maxNewTokens: -10 } }),
    );
  });
  await page.reload();
  const notice = page.getByTestId('stored-state-notice');
  await expect(notice).toContainText('reset to their defaults');
  await expect(notice).toContainText('Generate: settings.temperature, maxNewTokens');
  await expect(page.getByTestId('prompt-input')).toHaveValue('A prompt that was saved');
  await expect(page.getByTestId('top-k')).toHaveValue('12');
  await expect(page.getByTestId('temperature')).toHaveValue('1');
  await expect(page.getByTestId('max-new-tokens')).not.toHaveValue('-10');

  await page.getByTestId('stored-state-dismiss').click();
  await expect(notice).toHaveCount(0);

  // a change stores the valid settings; what the app wrote itself is read back without a notice
  await page.getByTestId('temperature').fill('0.5');
  await expect(page.getByTestId('temperature')).toHaveValue('0.5');
  await page.reload();
  await expect(page.getByTestId('temperature')).toHaveValue('0.5');
  await expect(page.getByTestId('prompt-input')).toHaveValue('A prompt that was saved');
  await expect(page.getByTestId('stored-state-notice')).toHaveCount(0);
});
