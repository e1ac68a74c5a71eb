/** An engine that crashes is restarted, the model it held is loaded again, and the alert goes once it is back. */
import { test, expect } from './support/test';
import { generate, generatedIds, openLab, setUp } from './support/lab';

test('a crashed engine: restarted, the model loaded again, the alert cleared, and Generate works', async ({ page }) => {
  await openLab(page);
  await setUp(page, { prompt: 'The ship', temperature: 0, maxNewTokens: 4 });
  const engineWorker = page.workers().find((w) => /\/worker-[^/]*\.js/.test(w.url()));
  expect(engineWorker, 'the engine worker').toBeDefined();
  // an uncaught error in the worker, as a bug in the engine would throw
  await engineWorker!.evaluate(() => void setTimeout(() => {
    throw new Error('simulated engine crash');
  }, 0));
  await expect(page.getByTestId('generation-error')).toContainText('stopped unexpectedly');
  await expect(page.getByTestId('loaded-model')).toHaveText('nexttoken-base', { timeout: 60_000 });
  await expect(page.getByTestId('generation-error')).toHaveCount(0);
  await expect(page.getByTestId('prompt-input')).toHaveValue('The ship');
  await generate(page);
  expect(await generatedIds(page)).toHaveLength(4);
});

test('an engine that dies without a word: Stop ends the run at once, the silence restarts it, and Generate works', async ({ page }) => {
  test.setTimeout(240_000);
  await openLab(page);
  await setUp(page, { prompt: 'The ship', temperature: 0, maxNewTokens: 4 });
  const engineWorker = page.workers().find((w) => /\/worker-[^/]*\.js/.test(w.url()));
  expect(engineWorker, 'the engine worker').toBeDefined();
  // the worker ends itself: no error event reaches the page, as when the browser kills it for memory
  await engineWorker!.evaluate(() => void setTimeout(() => self.close(), 0));
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('stop')).toBeEnabled();
  await page.getByTestId('stop').click();
  // the run ends in the page although the engine never answers the Stop
  await expect(page.getByTestId('stop')).toBeDisabled({ timeout: 10_000 });
  await expect(page.getByTestId('generation-error')).toContainText('did not confirm the stop');
  await expect(page.getByTestId('generation-error')).toContainText('stopped answering', { timeout: 60_000 });
  await expect(page.getByTestId('loaded-model')).toHaveText('nexttoken-base', { timeout: 60_000 });
  await expect(page.getByTestId('generation-error')).toHaveCount(0);
  await expect(page.getByTestId('prompt-input')).toHaveValue('The ship');
  await generate(page);
  expect(await generatedIds(page)).toHaveLength(4);
});
