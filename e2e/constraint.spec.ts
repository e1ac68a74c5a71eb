/**
 * Grammar-constrained decoding end to end, with the real embedded model in the page's worker. Validity is checked
 * with independent tools (JSON.parse and ajv, the Chat lab's parser), and the removed mass and the allowed set are
 * recomputed here, in Node, from the model's logits (e2e/support/reference.ts) and the vocabulary — not read back
 * from the app's grammar engine.
 */
import { test, expect, type Page } from './support/test';
import Ajv from 'ajv';
import { reference, softmaxAt, type Reference } from './support/reference';
import { engineTraffic, generate, modelRunRequests, openLab, promptIds, selectStep, setUp, spyOnEngine } from './support/lab';

const PERSON_SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 12 }, age: { type: 'integer', minimum: 0, maximum: 120 }, ship: { enum: ['yes', 'no'] } },
  required: ['name', 'age', 'ship'],
};
const CHOICES = ['positive', 'negative', 'neutral'];

let ref: Reference;
let page: Page;

async function setConstraint(page: Page, kind: string, text?: string) {
  await page.getByTestId('constraint-kind').selectOption(kind);
  if (text !== undefined) await page.getByTestId('constraint-text').fill(text);
  await expect(page.getByTestId('constraint-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
}

/** The generated text without a final end-of-sequence token. */
async function generatedText(page: Page): Promise<string> {
  const tokens = await page.getByTestId('gen-token').evaluateAll((els) => els.map((e) => ({ id: Number(e.getAttribute('data-token-id')), text: e.getAttribute('data-token-text') ?? '' })));
  return tokens
    .filter((t, i) => !(i === tokens.length - 1 && ref.eosTokenIds.includes(t.id)))
    .map((t) => t.text)
    .join('');
}

test.beforeAll(async () => {
  ref = await reference();
});

test.describe('constraints with the embedded model', () => {
  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    await spyOnEngine(page);
    await openLab(page);
  });
  test.afterAll(async () => {
    await page?.close();
  });

  test('JSON Schema at temperature 1: five seeds, five valid documents', async () => {
    await setUp(page, { prompt: 'The ship', temperature: 1, maxNewTokens: 120 });
    await setConstraint(page, 'json-schema', JSON.stringify(PERSON_SCHEMA));
    const validate = new Ajv().compile(PERSON_SCHEMA);
    for (const seed of [11, 12, 13, 14, 15]) {
      await setUp(page, { seed });
      await generate(page);
      await expect(page.getByTestId('run-summary')).toHaveAttribute('data-reason', 'eos');
      const text = await generatedText(page);
      const doc: unknown = JSON.parse(text);
      expect(validate(doc), `${text}: ${JSON.stringify(validate.errors)}`).toBe(true);
      // the strip over the text: every constrained token carries the mass the grammar removed
      const masses = await page.getByTestId('gen-token').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-removed-mass'))));
      expect(masses.every((m) => m >= 0 && m <= 1)).toBe(true);
    }
    await expect(page.getByTestId('pipeline-mask')).toContainText('tokens allowed');
  });

  test('the removed mass and the allowed rows equal a Node reference on the same logits', async () => {
    await setUp(page, { temperature: 1, seed: 5, maxNewTokens: 12 });
    await setConstraint(page, 'choice', CHOICES.join('\n'));
    await generate(page);
    expect(CHOICES).toContain(await generatedText(page));
    await selectStep(page, 0);
    const logits = await ref.nextLogits(await promptIds(page));
    const probs = softmaxAt(logits, 1);
    // allowed at step 0: tokens whose text starts one of the choices (written from the choices, not the engine)
    const allowed = new Set<number>();
    for (let id = 0; id < logits.length; id++) {
      const text = ref.decode(id);
      if (text.length > 0 && CHOICES.some((c) => c.startsWith(text))) allowed.add(id);
    }
    let allowedMass = 0;
    for (const id of allowed) allowedMass += probs[id];
    const shown = Number(await page.getByTestId('constraint-removed').textContent());
    expect(Math.abs(shown - (1 - allowedMass))).toBeLessThan(1e-4);
    const rows = await page.getByTestId('dist-row').evaluateAll((els) => els.map((e) => ({ id: Number(e.getAttribute('data-token-id')), allowed: e.getAttribute('data-allowed') })));
    expect(rows.some((r) => r.allowed === 'false')).toBe(true);
    for (const r of rows) expect(r.allowed, `token ${r.id} ${JSON.stringify(ref.decode(r.id))}`).toBe(String(allowed.has(r.id)));
    // Pick is offered for the allowed tokens only; the forbidden ones stay visible with the reason
    const forbiddenRow = page.locator('[data-testid="dist-row"][data-allowed="false"]').first();
    await expect(forbiddenRow).toHaveAttribute('data-removed-by', 'grammar');
    await expect(forbiddenRow.getByTestId('pick-token')).toHaveCount(0);
    await expect(page.locator('[data-testid="dist-row"][data-allowed="true"]').first().getByTestId('pick-token')).toHaveCount(1);
  });

  test('changing the constraint re-masks the selected step without running the model', async () => {
    const runsBefore = await modelRunRequests(page);
    await page.getByTestId('constraint-text').fill('yes\nno');
    // stale from the edit on, not from the end of the pause before the compile: Generate cannot run the old one
    const atEdit = await page.evaluate(() => ({
      generateDisabled: (document.querySelector('[data-testid="generate"]') as HTMLButtonElement).disabled,
      status: document.querySelector('[data-testid="constraint-status"]')?.getAttribute('data-state'),
    }));
    expect(atEdit).toEqual({ generateDisabled: true, status: 'compiling' });
    await expect(page.getByTestId('constraint-status')).toHaveAttribute('data-state', 'ready');
    await expect(page.getByTestId('generate')).toBeEnabled();
    await expect(page.getByTestId('dist-source')).toHaveAttribute('data-source', 'current');
    const rows = await page.getByTestId('dist-row').evaluateAll((els) => els.map((e) => ({ text: e.getAttribute('data-token-text') ?? '', allowed: e.getAttribute('data-allowed') })));
    for (const r of rows) expect(r.allowed, JSON.stringify(r.text)).toBe(String(r.text.length > 0 && ['yes', 'no'].some((w) => w.startsWith(r.text))));
    await page.getByTestId('constraint-kind').selectOption('none');
    await expect(page.getByTestId('constraint-note')).toHaveCount(0);
    await expect(page.locator('[data-testid="dist-row"][data-allowed="false"]')).toHaveCount(0);
    expect(await modelRunRequests(page)).toBe(runsBefore);
    expect((await engineTraffic(page)).some((t) => t.dir === 'request' && t.type === 'resample')).toBe(true);
  });

  test('an invalid schema or regex says where, and generation is refused; the text survives a reload', async () => {
    await page.getByTestId('constraint-kind').selectOption('json-schema');
    await page.getByTestId('constraint-text').fill('{"type": "object",\n "properties": {"a": {"type": }}}');
    await expect(page.getByTestId('constraint-error')).toContainText(/line 2/);
    await expect(page.getByTestId('generate')).toBeDisabled();
    await page.getByTestId('constraint-kind').selectOption('regex');
    await page.getByTestId('constraint-text').fill('[ab(c');
    await expect(page.getByTestId('constraint-error')).toContainText(/column|position|character/);
    await expect(page.getByTestId('generate')).toBeDisabled();
    await page.reload();
    await expect(page.getByTestId('loaded-model')).toHaveText('nexttoken-base', { timeout: 90_000 });
    await expect(page.getByTestId('constraint-kind')).toHaveValue('regex');
    await expect(page.getByTestId('constraint-text')).toHaveValue('[ab(c');
    await page.getByTestId('constraint-kind').selectOption('json-schema');
    await expect(page.getByTestId('constraint-text')).toHaveValue('{"type": "object",\n "properties": {"a": {"type": }}}');
    await expect(page.getByTestId('constraint-error')).toBeVisible();
  });

  test('a call to a Chat lab tool comes back into the chat as that tool with valid arguments', async () => {
    const parameters = { type: 'object', properties: { city: { type: 'string', maxLength: 16 }, unit: { enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'] };
    await page.getByTestId('tab-chat').click();
    await page.getByTestId('chat-template-select').selectOption('qwen');
    await page
      .getByTestId('chat-import-text')
      .fill(JSON.stringify({ messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters } }] }));
    await page.getByTestId('chat-import-button').click();
    await page.getByTestId('tab-generate').click();
    await setUp(page, { prompt: 'The weather', temperature: 1, seed: 7, maxNewTokens: 200 });
    await setConstraint(page, 'tool');
    await expect(page.getByTestId('constraint-tool')).toHaveValue('get_weather');
    await generate(page);
    await expect(page.getByTestId('run-summary')).toHaveAttribute('data-reason', 'eos');
    expect(await generatedText(page)).toMatch(/^<tool_call>\n\{"name": "get_weather", "arguments": /);
    await page.getByTestId('add-to-chat').click();
    await expect(page.getByTestId('add-to-chat-notice')).toHaveAttribute('data-kind', 'tool-call');
    await page.getByTestId('tab-chat').click();
    const last = page.getByTestId('chat-message').last();
    await expect(last).toHaveAttribute('data-role', 'assistant');
    await expect(last.getByTestId('tool-call-name')).toHaveValue('get_weather');
    const args: unknown = JSON.parse(await last.getByTestId('tool-call-arguments').inputValue());
    expect(new Ajv().compile(parameters)(args)).toBe(true);
  });
});
