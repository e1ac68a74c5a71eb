/**
 * The Inside panel end to end with the real embedded model in the page's worker: the logit lens's last row against
 * the model's distribution computed in Node (e2e/support/reference.ts, float64 softmax), attention rows that are
 * distributions over the context, nothing fetched while the panel is closed, the Analyse lab's selected token, and a
 * Hub model whose graph lists no internals (they are found in the graph and added as outputs in the page's worker).
 */
import { test, expect, type Page } from './support/test';
import AxeBuilder from '@axe-core/playwright';
import { reference, softmaxAt, type Reference } from './support/reference';
import { engineTraffic, generate, generatedIds, openLab, promptIds, selectStep, setUp, spyOnEngine } from './support/lab';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMBEDDED_MODEL, MODELS_DIR } from './support/reference';
import { startHubServer } from './support/hubServer';
import { writeStandardExport } from '../tests/reference/standardExport';

const PROB_TOLERANCE = 1e-4;
const SUM_TOLERANCE = 1e-5;
const LAYERS = 5;

let ref: Reference;
test.beforeAll(async () => {
  ref = await reference();
});

async function insideRequests(page: Page): Promise<number> {
  return (await engineTraffic(page)).filter((t) => t.dir === 'request' && t.type === 'inside').length;
}

/** The lens rows' top token and probability, layer by layer. */
function lensRows(page: Page) {
  return page.getByTestId('lens-row').evaluateAll((rows) =>
    rows.map((r) => ({ layer: Number(r.getAttribute('data-layer')), id: Number(r.getAttribute('data-top-id')), prob: Number(r.getAttribute('data-top-prob')) })),
  );
}

async function attentionWeights(page: Page): Promise<number[]> {
  return JSON.parse((await page.getByTestId('attention-row').getAttribute('data-weights'))!) as number[];
}

/** The last lens row is the model's own distribution for `context`, computed in Node. */
async function expectLensToEndInModel(page: Page, context: number[]) {
  await expect(page.getByTestId('lens-row')).toHaveCount(LAYERS, { timeout: 30_000 });
  const rows = await lensRows(page);
  expect(rows.map((r) => r.layer)).toEqual([0, 1, 2, 3, 4]);
  const probs = softmaxAt(await ref.nextLogits(context), 1);
  const argmax = probs.indexOf(Math.max(...probs));
  const last = rows[LAYERS - 1];
  expect(last.id).toBe(argmax);
  expect(Math.abs(last.prob - probs[argmax])).toBeLessThan(PROB_TOLERANCE);
  for (const r of rows) expect(r.prob).toBeGreaterThan(0);
}

test('the Inside panel explains the selected step: the lens ends in the model’s distribution, attention rows sum to 1', async ({ page }) => {
  await spyOnEngine(page);
  await openLab(page);
  await setUp(page, { prompt: 'Once upon a time, the little robot', temperature: 0, topK: 0, topP: 1, minP: 0, maxNewTokens: 5 });
  await generate(page);
  const prompt = await promptIds(page);
  const generated = await generatedIds(page);
  await selectStep(page, 2);
  // closed: nothing is asked of the engine
  expect(await insideRequests(page)).toBe(0);
  await expect(page.getByTestId('lens-row')).toHaveCount(0);

  await page.getByTestId('inside-toggle').click();
  await expect(page.getByTestId('inside-toggle')).toHaveAttribute('aria-expanded', 'true');
  const context = [...prompt, ...generated.slice(0, 2)];
  await expectLensToEndInModel(page, context);
  // greedy: the model's top token is the step's token
  expect((await lensRows(page))[LAYERS - 1].id).toBe(generated[2]);

  // one weight per context position, a distribution for the mean and for every head
  for (const head of ['mean', '0', '3', '7']) {
    await page.getByTestId('attention-head').selectOption({ value: head });
    await expect(page.getByTestId('attention-row')).toHaveAttribute('data-head', head);
    const w = await attentionWeights(page);
    expect(w.length).toBe(context.length);
    expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(SUM_TOLERANCE);
    expect(w.every((x) => x >= 0)).toBe(true);
  }
  await page.getByTestId('attention-layer').selectOption({ value: '4' });
  expect(Math.abs((await attentionWeights(page)).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(SUM_TOLERANCE);

  // hovering a context token shows its weight in every head of the layer; so does moving to it with the keyboard
  await page.getByTestId('attention-row').getByRole('option').first().hover();
  await expect(page.getByTestId('attention-heads').locator('li')).toHaveCount(8);
  await expect(page.getByTestId('attention-heads')).toContainText('position 1');
  await page.getByTestId('attention-row').getByRole('option').first().focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('attention-row').getByRole('option').nth(1)).toBeFocused();
  await expect(page.getByTestId('attention-heads')).toContainText('position 2');

  // no serious or critical accessibility violation with the panel open
  const { violations } = await new AxeBuilder({ page }).include('[data-testid="inside-panel"]').analyze();
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  // another step: the panel follows it
  await selectStep(page, 3);
  await expect.poll(async () => (await attentionWeights(page)).length).toBe(context.length + 1);
  await expectLensToEndInModel(page, [...prompt, ...generated.slice(0, 3)]);

  // closing drops the data; selecting steps while closed asks nothing
  await page.getByTestId('inside-toggle').click();
  await expect(page.getByTestId('lens-row')).toHaveCount(0);
  const asked = await insideRequests(page);
  await selectStep(page, 1);
  expect(await insideRequests(page)).toBe(asked);
});

test('in the Analyse lab the panel explains the selected token’s prediction', async ({ page }) => {
  const text = 'The little robot walked to the old town and looked at the river.';
  await page.goto('/#tab=analyse');
  await page.evaluate(() => localStorage.clear());
  await page.goto('/#tab=analyse');
  await page.getByTestId('analyse-input').fill(text);
  await page.getByTestId('analyse-run').click();
  await expect(page.getByTestId('analysed-token').first()).toBeVisible({ timeout: 90_000 });
  const ids = await page.getByTestId('analysed-token').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-token-id'))));
  const k = 6;
  await page.getByTestId('analysed-token').nth(k).click();
  await page.getByTestId('inside-toggle').click();
  const bos = ref.encode('', true);
  await expectLensToEndInModel(page, [...bos, ...ids.slice(0, k)]);
  expect((await attentionWeights(page)).length).toBe(bos.length + k);
});

test('a Hub model whose graph lists no internals: the lens and attention are found in its graph', async ({ page }) => {
  // the embedded model as a standard export gives it (only logits and present.* as outputs, the exporter's tensor
  // names), served from a Hub-like host: the same weights, so the Node reference still holds
  const dir = mkdtempSync(join(tmpdir(), 'nt-hub-'));
  const hub = await startHubServer({ 'test-org/standard-export': writeStandardExport(join(MODELS_DIR, EMBEDDED_MODEL), join(dir, 'standard-export')) }, 0);
  try {
    await openLab(page);
    await page.getByText('Any Hugging Face Hub model').click();
    await page.getByTestId('remote-host').fill(hub.url);
    await page.getByTestId('hub-model-id').fill('test-org/standard-export');
    await page.getByTestId('hub-load').click();
    await expect(page.getByTestId('loaded-model')).toHaveText('test-org/standard-export', { timeout: 90_000 });

    await setUp(page, { prompt: 'The old town by the river', temperature: 0, topK: 0, topP: 1, minP: 0, maxNewTokens: 3 });
    await generate(page);
    const context = [...(await promptIds(page)), ...(await generatedIds(page)).slice(0, 1)];
    await selectStep(page, 1);
    await page.getByTestId('inside-toggle').click();
    await expectLensToEndInModel(page, context);
    await expect(page.getByTestId('inside-unavailable')).toHaveCount(0);
    // the graph computes its attention softmax explicitly: every head's row is a distribution over the context
    for (const head of ['mean', '5']) {
      await page.getByTestId('attention-head').selectOption({ value: head });
      const w = await attentionWeights(page);
      expect(w.length).toBe(context.length);
      expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(SUM_TOLERANCE);
    }
    await expect(page.getByTestId('residual-norms')).toBeVisible();
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
