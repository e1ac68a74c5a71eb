/**
 * The WebGPU path (run only in the "webgpu" project: Chromium with --enable-unsafe-webgpu
 * --use-webgpu-adapter=swiftshader, i.e. WebGPU on SwiftShader's CPU Vulkan). The same embedded model must give the
 * same greedy tokens as the Node reference and the same bars as WASM, within float tolerance.
 */
import { test, expect } from './support/test';
import { reference, softmaxAt } from './support/reference';
import { bars, generate, generatedIds, openLab, promptIds, selectStep, setUp, type Bar } from './support/lab';

const PROMPT = 'Once upon a time, the little robot';
const TEMPERATURE = 0.8;
const TOLERANCE = 1e-3;

test('the model runs on WebGPU and agrees with WASM and the Node reference', async ({ page }) => {
  const ref = await reference();
  await openLab(page);
  // the browser offers an adapter here (SwiftShader)
  const adapter = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    return gpu ? ((await gpu.requestAdapter()) ? 'adapter' : 'no adapter') : 'no navigator.gpu';
  });
  expect(adapter).toBe('adapter');

  await page.getByTestId('backend-select').selectOption('webgpu');
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  await expect(page.getByTestId('backend-reason')).toHaveText('WebGPU chosen by you');
  await expect(page.getByTestId('model-error')).toHaveCount(0);

  await setUp(page, { prompt: PROMPT, temperature: 0, topK: 0, topP: 1, minP: 0, maxNewTokens: 6 });
  await generate(page);
  const prompt = await promptIds(page);
  const tokens = await generatedIds(page);
  expect(tokens).toEqual(await ref.greedy(ref.encode(PROMPT), 6));

  // the bars of the third step at temperature 0.8 against the Node softmax
  await selectStep(page, 2);
  await page.getByTestId('temperature').fill(String(TEMPERATURE));
  const want = softmaxAt(await ref.nextLogits([...prompt, ...tokens.slice(0, 2)]), TEMPERATURE);
  await expect.poll(async () => Math.abs((await bars(page))[0].prob - want[tokens[2]])).toBeLessThan(TOLERANCE);
  const onGpu = await bars(page);
  for (const b of onGpu) expect(Math.abs(b.prob - want[b.id]), `token ${b.id}`).toBeLessThan(TOLERANCE);

  // the same on WASM
  await page.getByTestId('backend-select').selectOption('wasm');
  await expect(page.getByTestId('backend')).toHaveText('wasm', { timeout: 120_000 });
  await setUp(page, { temperature: 0 });
  await generate(page);
  expect(await generatedIds(page)).toEqual(tokens);
  await selectStep(page, 2);
  await page.getByTestId('temperature').fill(String(TEMPERATURE));
  await expect.poll(async () => Math.abs((await bars(page))[0].prob - want[tokens[2]])).toBeLessThan(TOLERANCE);
  const onCpu = new Map((await bars(page)).map((b: Bar) => [b.id, b.prob]));
  for (const b of onGpu) expect(Math.abs(b.prob - (onCpu.get(b.id) ?? -1)), `token ${b.id}`).toBeLessThan(TOLERANCE);
});
