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
