/**
 * The Generate lab end to end, with the real embedded model running in the page's worker (WASM). Every expected
 * token and probability is computed here, in Node, by a separate Transformers.js + onnxruntime-node run of the same
 * model folder (e2e/support/reference.ts): never copied from an earlier run of the app.
 */
import { test, expect, type Page } from './support/test';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { EMBEDDED_MODEL, MODELS_DIR, reference, softmaxAt, type Reference } from './support/reference';
import { bars, engineTraffic, generate, generatedIds, modelRunRequests, openLab, promptIds, selectStep, setUp, spyOnEngine, waitForRunEnd } from './support/lab';
import { startHubServer, type HubServer } from './support/hubServer';

const PROMPT = 'Once upon a time, the little robot';
const PROB_TOLERANCE = 1e-4;

let ref: Reference;
let page: Page;

/** The bars equal softmax(logits / T) of the step: the 20 most likely tokens, each within the tolerance. */
function expectBarsToBeSoftmax(shown: { id: number; prob: number }[], logits: Float32Array, temperature: number) {
  const want = softmaxAt(logits, temperature);
  expect(shown.length).toBeGreaterThanOrEqual(20);
  for (const bar of shown) expect(Math.abs(bar.prob - want[bar.id]), `token ${bar.id}`).toBeLessThan(PROB_TOLERANCE);
  const outside = [...want.keys()].filter((id) => !shown.some((b) => b.id === id)).map((id) => want[id]);
  expect(Math.min(...shown.map((b) => b.prob))).toBeGreaterThanOrEqual(Math.max(...outside) - PROB_TOLERANCE);
}

test.beforeAll(async () => {
  ref = await reference();
});

/**
 * Every text style (font family, size, weight, slant) of the page's text. A style new to the page makes Chromium
 * resolve a font with a synchronous call to the browser process; during a run that dropped frames.
 */
function textStyles(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const styles = new Set<string>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || !node.textContent?.trim()) continue;
      const cs = getComputedStyle(el);
      styles.add(`${cs.fontFamily} ${cs.fontSize} ${cs.fontWeight} ${cs.fontStyle}`);
    }
    return [...styles];
  });
}

/** Clicks Stop (in the page) as soon as a running generation shows `n` tokens; resolves with the count it saw. */
function pressStopWhenTokensShow(page: Page, n: number): Promise<number> {
  return page.evaluate(
    (n) =>
      new Promise<number>((resolve) => {
        const stop = () => document.querySelector<HTMLButtonElement>('[data-testid="stop"]')!;
        const check = () => {
          const count = document.querySelectorAll('[data-testid="gen-token"]').length;
          if (stop().disabled || count < n) return;
          observer.disconnect();
          stop().click();
          resolve(count);
        };
        const observer = new MutationObserver(check);
        observer.observe(document.body, { childList: true, subtree: true, attributes: true });
      }),
    n,
  );
}

test.describe('with the embedded model', () => {
  // One tab for the whole walk-through, as a person would keep using it; each test sets what it needs.
  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    await spyOnEngine(page);
    await openLab(page);
    await expect(page.getByTestId('backend')).toHaveText('wasm');
  });
  test.afterAll(async () => {
    await page?.close();
  });

  test('greedy generation (temperature 0) gives the same tokens as the model run in Node', async () => {
    await setUp(page, { prompt: PROMPT, temperature: 0, maxNewTokens: 8 });
    // the first run after a load shows no text style the page had not laid out before it (TypographyWarmup)
    await expect(page.getByTestId('typography-warmup')).toHaveAttribute('data-ready', 'true');
    const stylesBefore = await textStyles(page);
    await generate(page);
    expect((await textStyles(page)).filter((style) => !stylesBefore.includes(style))).toEqual([]);

    const prompt = ref.encode(PROMPT);
    expect(await promptIds(page)).toEqual(prompt);
    expect(await generatedIds(page)).toEqual(await ref.greedy(prompt, 8));
    // a greedy choice had probability 1
    for (const p of await page.getByTestId('gen-token').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-prob'))))) expect(p).toBe(1);
    await expect(page.getByTestId('ttft-ms')).toHaveText(/^\d+(\.\d)?$/);
    await expect(page.getByTestId('tokens-per-second')).toHaveText(/^\d+(\.\d)?$/);
  });

  test("the bars are the softmax of the selected step's logits at the set temperature, and sliders reshape them without running the model", async () => {
    await setUp(page, { prompt: PROMPT, temperature: 0, topK: 0, topP: 1, minP: 0, maxNewTokens: 6 });
    await generate(page);
    const prompt = await promptIds(page);
    const generated = await generatedIds(page);
    expect(generated.length).toBeGreaterThan(3);

    // the third token: its logits come from a forward pass over the prompt and the first two tokens
    await selectStep(page, 2);
    const logits = await ref.nextLogits([...prompt, ...generated.slice(0, 2)]);
    // at temperature 0 the whole mass is on the argmax, the chosen token
    const greedyBars = await bars(page);
    expect(greedyBars[0]).toEqual({ id: generated[2], prob: 1 });
    expect(greedyBars.slice(1).every((b) => b.prob === 0)).toBe(true);

    const modelRuns = await modelRunRequests(page);
    const resamples = (await engineTraffic(page)).filter((t) => t.type === 'resample').length;

    // drag the temperature slider to about 0.8
    const slider = page.getByTestId('temperature-slider');
    const box = (await slider.boundingBox())!;
    await slider.click({ position: { x: box.width * 0.4, y: box.height / 2 } });
    // the number field follows the slider in its own render (NumberField keeps what is being typed)
    await expect.poll(async () => Number(await page.getByTestId('temperature').inputValue())).toBeGreaterThan(0.3);
    const t1 = Number(await page.getByTestId('temperature').inputValue());
    expect(t1).toBeLessThan(1.5);
    await expect.poll(async () => (await bars(page))[0].prob).toBeLessThan(1);
    await expect(page.getByTestId('dist-source')).toHaveAttribute('data-source', 'current');
    expectBarsToBeSoftmax(await bars(page), logits, t1);

    // type another temperature: the bars flatten to the new softmax
    await page.getByTestId('temperature').fill('1.7');
    await expect.poll(async () => Math.abs((await bars(page))[0].prob - softmaxAt(logits, 1.7)[generated[2]])).toBeLessThan(PROB_TOLERANCE);
    await expect(page.getByTestId('dist-source')).toHaveAttribute('data-source', 'current');
    expectBarsToBeSoftmax(await bars(page), logits, 1.7);

    // top-k 5 keeps five bars and renormalises them over the five
    await page.getByTestId('top-k').fill('5');
    const want = softmaxAt(logits, 1.7);
    const top5 = [...want.keys()].sort((a, b) => want[b] - want[a]).slice(0, 5);
    const mass5 = top5.reduce((a, id) => a + want[id], 0);
    await expect.poll(async () => (await bars(page)).filter((b) => b.prob > 0).length).toBe(5);
    for (const b of await bars(page)) {
      expect(Math.abs(b.prob - (top5.includes(b.id) ? want[b.id] / mass5 : 0)), `token ${b.id}`).toBeLessThan(PROB_TOLERANCE);
    }

    // all of that was re-sampling the kept logits: no new model run, no new token, the same step still selected
    expect(await modelRunRequests(page)).toBe(modelRuns);
    expect((await engineTraffic(page)).filter((t) => t.type === 'resample').length).toBeGreaterThan(resamples);
    expect(await generatedIds(page)).toEqual(generated);
    await expect(page.getByTestId('gen-token').nth(2)).toHaveAttribute('aria-pressed', 'true');
  });

  test('after a long run an early step shows its exact distribution again (from the engine), and the export carries every step in full', async () => {
    await setUp(page, { prompt: PROMPT, temperature: 1, topK: 0, topP: 1, minP: 0, seed: 11, maxNewTokens: 160 });
    await generate(page);
    const prompt = await promptIds(page);
    const generated = await generatedIds(page);
    // far more steps than the page keeps full distributions for (stepRecords.ts: 32)
    expect(generated.length).toBeGreaterThan(64);
    const asked = () => engineTraffic(page).then((t) => t.filter((x) => x.dir === 'request' && x.type === 'step-distributions').length);
    const askedBefore = await asked();

    // the text box kept its end in view while the tokens arrived
    const textBox = page.getByTestId('generated-text');
    const box = await textBox.evaluate((el) => ({ top: el.scrollTop, height: el.clientHeight, content: el.scrollHeight }));
    expect(box.content).toBeGreaterThan(box.height);
    expect(box.top + box.height).toBeGreaterThanOrEqual(box.content - 8);

    await selectStep(page, 3);
    const logits = await ref.nextLogits([...prompt, ...generated.slice(0, 3)]);
    expectBarsToBeSoftmax(await bars(page), logits, 1);
    // the page did not hold step 4's distribution: it asked the engine for it
    await expect.poll(asked).toBeGreaterThan(askedBefore);

    const download = page.waitForEvent('download');
    await page.getByTestId('run-export-json').click();
    const exported = JSON.parse(readFileSync((await (await download).path())!, 'utf8'));
    expect(exported.steps.map((s: { chosen: { id: number } }) => s.chosen.id)).toEqual(generated);
    for (const s of exported.steps) expect(s.distribution.candidates.length).toBeGreaterThanOrEqual(20);
    const early = exported.steps[3].distribution;
    expect(early.chosenId).toBe(generated[3]);
    expectBarsToBeSoftmax(early.candidates.map((c: { id: number; prob: number }) => ({ id: c.id, prob: c.prob })), logits, 1);

    // a reader who scrolls up during a run stays where they are; the box does not pull them back to the end
    await page.getByTestId('generate').click();
    await expect.poll(() => textBox.evaluate((el) => el.scrollHeight - el.clientHeight)).toBeGreaterThan(64);
    await textBox.hover();
    await page.mouse.wheel(0, -5000);
    await expect.poll(() => textBox.evaluate((el) => el.scrollTop)).toBe(0);
    await waitForRunEnd(page);
    expect(await textBox.evaluate((el) => el.scrollTop)).toBe(0);
  });

  test('the same seed reproduces the same text at temperature 1.5; another seed gives another', async () => {
    await setUp(page, { prompt: 'The ship', temperature: 1.5, topK: 0, topP: 1, minP: 0, seed: 1234, maxNewTokens: 10 });
    const text = () => page.getByTestId('gen-token').allTextContents().then((t) => t.join(''));

    await generate(page);
    const first = { ids: await generatedIds(page), text: await text() };
    expect(first.ids.length).toBeGreaterThan(1);

    await generate(page);
    expect({ ids: await generatedIds(page), text: await text() }).toEqual(first);

    await setUp(page, { seed: 1235 });
    await generate(page);
    expect(await generatedIds(page)).not.toEqual(first.ids);
  });

  test('Stop ends a long generation at once, and no token arrives after it', async () => {
    // the Node model must keep going on its own, or "stopped" could not be told from the end of the text
    const expected = await ref.greedy(ref.encode(PROMPT), 30);
    expect(expected.some((id) => ref.eosTokenIds.includes(id)), 'the greedy text ends within 30 tokens: choose another prompt').toBe(false);

    await setUp(page, { prompt: PROMPT, temperature: 0, maxNewTokens: 200 });
    // Press Stop the moment the third token shows: this model is faster than Playwright's polling, so the click is
    // armed in the page itself (a real click on the real button, just without the round trip).
    const stopPressedAt = pressStopWhenTokensShow(page, 3);
    await page.getByTestId('generate').click();
    expect(await stopPressedAt).toBeGreaterThanOrEqual(3);

    await expect(page.getByTestId('run-summary')).toHaveAttribute('data-reason', 'stopped');
    await expect(page.getByTestId('run-summary')).toContainText('you pressed Stop');
    await expect(page.getByTestId('stop')).toBeDisabled();
    const shown = await generatedIds(page);
    // the tokens already on their way when Stop was pressed still show, but the run ends far before its 200
    expect(shown.length).toBeLessThan(100);
    expect(shown).toEqual(expected.slice(0, shown.length));

    await page.waitForTimeout(1500);
    expect(await generatedIds(page)).toEqual(shown);
    // the worker sent nothing for this run after its "done"
    const traffic = await engineTraffic(page);
    const runId = traffic.filter((t) => t.dir === 'request' && t.type === 'generate').at(-1)!.runId;
    const events = traffic.filter((t) => t.dir === 'event' && t.runId === runId).map((t) => t.type);
    expect(events.at(-1)).toBe('run-done');
    expect(events.filter((t) => t === 'step')).toHaveLength(shown.length);
  });

  test('picking another candidate at a step starts a branch that continues from it; the earlier branch stays', async () => {
    await setUp(page, { prompt: PROMPT, temperature: 0, topK: 0, topP: 1, minP: 0, maxNewTokens: 6 });
    await generate(page);
    const prompt = await promptIds(page);
    const original = await generatedIds(page);
    expect(original.length).toBe(6);
    const branchesBefore = await page.getByTestId('branch').count();

    // at the second token, take the runner-up instead
    await selectStep(page, 1);
    const runnerUp = page.getByTestId('dist-row').nth(1);
    const picked = Number(await runnerUp.getAttribute('data-token-id'));
    expect(picked).not.toBe(original[1]);
    await runnerUp.getByTestId('pick-token').click();
    await waitForRunEnd(page);

    const branched = await generatedIds(page);
    expect(branched.slice(0, 2)).toEqual([original[0], picked]);
    expect(branched.slice(2)).toEqual(await ref.greedy([...prompt, original[0], picked], 4));
    await expect(page.getByTestId('gen-token').nth(1)).toHaveAttribute('aria-label', /picked by you/);

    // both branches are listed (the first Generate of this page already made the list appear)
    const branches = page.getByTestId('branch');
    await expect(branches).toHaveCount(Math.max(2, branchesBefore + 1));
    await expect(branches.last()).toContainText('Branch at step 2');
    await expect(branches.last()).toHaveAttribute('aria-pressed', 'true');

    // go back to the earlier branch: unchanged
    await branches.nth((await branches.count()) - 2).click();
    await expect.poll(() => generatedIds(page)).toEqual(original);
    await branches.last().click();
    await expect.poll(() => generatedIds(page)).toEqual(branched);
  });

  test('with the KV cache off the same greedy tokens come out, and its speed is shown next to the cached one', async () => {
    await setUp(page, { prompt: PROMPT, temperature: 0, maxNewTokens: 8 });
    await generate(page);
    const cached = await generatedIds(page);

    const modelRuns = await modelRunRequests(page);
    await page.getByTestId('run-no-kv').click();
    await expect(page.getByTestId('tokens-per-second-nokv')).toHaveText(/^\d+(\.\d)?$/, { timeout: 60_000 });
    await expect(page.getByTestId('nokv-output')).toHaveAttribute('data-token-ids', cached.join(','));
    await expect(page.getByTestId('nokv-output')).toHaveAttribute('data-same', 'true');
    await expect(page.getByTestId('tokens-per-second')).toHaveText(/^\d+(\.\d)?$/);
    expect(await modelRunRequests(page)).toBe(modelRuns + 1);
    // the comparison run does not replace the text on screen
    expect(await generatedIds(page)).toEqual(cached);
  });

  test('"run N times" coincides at temperature 0 and draws a tree of all runs at temperature 1.5', async () => {
    await setUp(page, { prompt: PROMPT, temperature: 0, maxNewTokens: 6 });
    await page.getByTestId('run-count').fill('3');
    await page.getByTestId('run-many').click();
    await expect(page.getByTestId('divergence-tree')).toHaveAttribute('data-identical', 'true', { timeout: 60_000 });
    await expect(page.getByTestId('divergence-tree')).toContainText('All 3 runs produced the same tokens');

    await setUp(page, { temperature: 1.5, seed: 7 });
    await page.getByTestId('run-count').fill('5');
    await page.getByTestId('run-many').click();
    const tree = page.getByTestId('divergence-tree');
    await expect(tree).toBeVisible({ timeout: 60_000 });
    // the root lists every run; each run ends in exactly one leaf
    await expect(tree.locator('li').first()).toContainText('(runs 1, 2, 3, 4, 5)');
    const leafRuns = await tree.locator('li:not(:has(li)) > .muted').allTextContents();
    const runs = leafRuns.flatMap((t) => t.replace(/[^\d,]/g, '').split(',').map(Number)).sort();
    expect(runs).toEqual([1, 2, 3, 4, 5]);
  });

  test('number fields hold what is typed: they can be cleared and retyped, and an invalid value says its range and is not used', async () => {
    await setUp(page, { prompt: PROMPT, temperature: 0, maxNewTokens: 32 });
    const max = page.getByTestId('max-new-tokens');
    await max.fill('');
    await expect(max).toHaveValue('');
    await expect(page.getByTestId('number-field-error')).toContainText('from 1 to 2,048');
    await max.pressSequentially('3');
    await expect(max).toHaveValue('3');
    await expect(page.getByTestId('number-field-error')).toHaveCount(0);
    const seed = page.getByTestId('seed');
    await seed.fill('3.5');
    await expect(page.getByTestId('number-field-error')).toContainText('whole number');
    await generate(page);
    expect(await generatedIds(page)).toHaveLength(3);
    await seed.blur();
    await expect(seed).not.toHaveValue('3.5');
    await expect(page.getByTestId('number-field-error')).toHaveCount(0);
  });
});

test.describe('Hub models', () => {
  let hub: HubServer;

  test.beforeAll(async () => {
    hub = await startHubServer({ 'test-org/tiny-llama': resolve(MODELS_DIR, EMBEDDED_MODEL) });
  });
  test.afterAll(async () => {
    await hub?.close();
  });

  test('a model from a Hub-like host loads with progress and generates; a missing one gives a clear error and the loaded model stays usable', async ({ page }) => {
    await openLab(page);
    await page.getByText('Any Hugging Face Hub model').click();
    await page.getByTestId('remote-host').fill(hub.url);
    await page.getByTestId('hub-model-id').fill('test-org/tiny-llama');
    await page.getByTestId('hub-load').click();

    await expect(page.getByRole('progressbar', { name: /Downloading onnx\/model\.onnx/ })).toBeVisible();
    await expect(page.getByTestId('loaded-model')).toHaveText('test-org/tiny-llama', { timeout: 90_000 });
    await expect(page.getByTestId('model-select')).toHaveValue('test-org/tiny-llama');
    expect(hub.requests).toContain('/test-org/tiny-llama/resolve/main/onnx/model.onnx');

    await setUp(page, { prompt: PROMPT, temperature: 0, maxNewTokens: 5 });
    await generate(page);
    const expected = await ref.greedy(ref.encode(PROMPT), 5);
    expect(await generatedIds(page)).toEqual(expected);

    await page.getByTestId('hub-model-id').fill('test-org/no-such-model');
    await page.getByTestId('hub-load').click();
    await expect(page.getByTestId('model-error')).toContainText('Model "test-org/no-such-model" could not be found');
    await expect(page.getByTestId('model-error')).toContainText('previously loaded model is still available');
    await expect(page.getByTestId('loaded-model')).toHaveText('test-org/tiny-llama');
    await expect(page.getByTestId('model-select')).toHaveValue('test-org/tiny-llama');

    await setUp(page, { prompt: PROMPT, maxNewTokens: 4 });
    await generate(page);
    expect(await generatedIds(page)).toEqual(expected.slice(0, 4));

    // the loaded Hub model's tokenizer and chat template are offered by the other labs too
    await page.getByTestId('tab-tokenizer').click();
    await page.getByTestId('tokenizer-select').selectOption('test-org/tiny-llama');
    await page.getByTestId('tokenizer-input').fill(PROMPT);
    await expect.poll(() => page.getByTestId('token').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-token-id'))))).toEqual(ref.encode(PROMPT, false));
    await page.getByTestId('tab-chat').click();
    await page.getByTestId('chat-template-select').selectOption('test-org/tiny-llama');
    await expect(page.getByTestId('chat-token-count')).toBeVisible({ timeout: 60_000 });
  });
});

test.describe('a host that hangs', () => {
  let hub: HubServer;

  test.beforeAll(async () => {
    hub = await startHubServer({}, 15, ['test-org/hangs']);
  });
  test.afterAll(async () => {
    await hub?.close();
  });

  test('a load can be cancelled, a silent host fails naming it, and the model loaded before stays usable; a reload does not retry', async ({ page }) => {
    await openLab(page);
    await page.getByText('Any Hugging Face Hub model').click();
    await page.getByTestId('remote-host').fill(hub.url);
    await page.getByTestId('hub-model-id').fill('test-org/hangs');

    await page.getByTestId('hub-load').click();
    await page.getByTestId('model-load-cancel').click();
    await expect(page.getByTestId('model-error')).toContainText('cancelled');
    await expect(page.getByTestId('loaded-model')).toHaveText('nexttoken-base');
    await setUp(page, { prompt: PROMPT, temperature: 0, maxNewTokens: 2 });
    await generate(page);
    expect(await generatedIds(page)).toEqual(await ref.greedy(ref.encode(PROMPT), 2));

    await page.getByTestId('hub-load').click();
    await expect(page.getByTestId('model-error')).toContainText(`${new URL(hub.url).host} sent nothing for 20 s`, { timeout: 60_000 });
    await expect(page.getByTestId('loaded-model')).toHaveText('nexttoken-base');
    await expect(page.getByTestId('generate')).toBeEnabled();

    await page.reload();
    await expect(page.getByTestId('loaded-model')).toHaveText('nexttoken-base', { timeout: 90_000 });
    await expect(page.getByTestId('model-select')).toHaveValue('nexttoken-base');
  });
});
