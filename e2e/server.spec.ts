/**
 * The Generate lab on a server backend: the real embedded model behind real HTTP (e2e/support/openaiServer.ts, an
 * OpenAI-compatible server in the test process on onnxruntime-node). The expected probabilities come from a separate
 * Node run of the same model (support/reference.ts), never from the app.
 */
import { test, expect, type Page } from './support/test';
import { reference, softmaxAt, type Reference } from './support/reference';
import { startOpenAIServer, type OpenAIServer } from './support/openaiServer';

const PROMPT = 'Once upon a time, the little robot';
const PROB_TOLERANCE = 1e-4;
const KEY = 'sk-test-SECRET-4f1c';

let ref: Reference;
let server: OpenAIServer;

test.beforeAll(async () => {
  ref = await reference();
  // llama.cpp sends each token's text and the model's id with it, so bars can be checked id by id
  server = await startOpenAIServer({ flavor: 'llama.cpp', apiKey: KEY });
});
test.afterAll(async () => server?.close());
test.beforeEach(() => server.fault('none'));

/** Opens a lab with fresh settings (nothing stored from an earlier test). */
async function openFresh(page: Page, tab: 'generate' | 'chat' = 'generate'): Promise<void> {
  await page.goto(`/#tab=${tab}`);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
}

/** In the Generate lab: chooses the server backend and connects to `target` (nothing is sent before Connect). */
async function connect(page: Page, target: OpenAIServer, key = ''): Promise<void> {
  await page.getByTestId('backend-kind').selectOption('server');
  await page.getByTestId('server-url').fill(target.url);
  await page.getByTestId('server-api-key').fill(key);
  await page.getByTestId('server-connect').click();
  await expect(page.getByTestId('server-status')).toHaveText('connected', { timeout: 60_000 });
  await expect(page.getByTestId('server-model')).toHaveValue(target.modelId);
  await expect(page.getByTestId('loaded-model')).toHaveText(target.modelId, { timeout: 60_000 });
}

/** The Generate lab, fresh, on the shared test server (with its key), on the API asked for. */
async function openOnServer(page: Page, options: { key?: string; api?: 'completions' | 'chat' } = {}): Promise<void> {
  await openFresh(page);
  await connect(page, server, options.key ?? KEY);
  if (options.api) await page.getByTestId('server-api').selectOption(options.api);
  await expect(page.getByTestId('loaded-model')).toHaveText(server.modelId, { timeout: 60_000 });
}

async function settings(page: Page, s: { temperature: number; maxNewTokens: number }) {
  await page.getByTestId('prompt-input').fill(PROMPT);
  for (const [id, v] of [
    ['temperature', s.temperature],
    ['top-k', 0],
    ['top-p', 1],
    ['min-p', 0],
    ['max-new-tokens', s.maxNewTokens],
  ] as const) {
    await page.getByTestId(id).fill(String(v));
    await expect(page.getByTestId(id)).toHaveValue(String(v));
  }
}

async function runToEnd(page: Page) {
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('run-summary')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('generate')).toBeEnabled();
}

function rows(page: Page) {
  return page
    .getByTestId('dist-row')
    .evaluateAll((els) => els.map((e) => ({ id: Number(e.getAttribute('data-token-id')), text: e.getAttribute('data-token-text'), prob: Number(e.getAttribute('data-prob')) })));
}

test('nothing is sent to a server before Connect; then its models are listed and it is named as where text goes', async ({ page }) => {
  const before = server.requests.length;
  const sent: string[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(server.origin)) sent.push(r.url());
  });
  await openFresh(page);
  await page.getByTestId('backend-kind').selectOption('server');
  await page.getByTestId('server-url').fill(server.url);
  await page.getByTestId('server-api-key').fill(KEY);
  await page.getByTestId('prompt-input').fill(PROMPT);
  await page.waitForTimeout(500);
  expect(sent).toEqual([]);
  expect(server.requests.length).toBe(before);

  await page.getByTestId('server-connect').click();
  await expect(page.getByTestId('server-status')).toHaveText('connected', { timeout: 60_000 });
  await expect(page.getByTestId('server-model').locator('option')).toHaveText([new RegExp(server.modelId)]);
  await expect(page.getByTestId('server-privacy')).toContainText(server.origin);
  // the key went only to the server, in the Authorization header
  const answered = server.requests.slice(before).filter((r) => r.method !== 'OPTIONS');
  expect(answered.length).toBeGreaterThan(0);
  expect(answered.every((r) => r.authorization === `Bearer ${KEY}`)).toBe(true);
});

test('each streamed token is a step: the bars are the model’s softmax, and "all other tokens" is 1 − Σp', async ({ page }) => {
  await openOnServer(page);
  await settings(page, { temperature: 1, maxNewTokens: 3 });
  await runToEnd(page);
  await expect(page.getByTestId('gen-token')).toHaveCount(3);
  await page.getByTestId('gen-token').nth(0).click();
  await expect(page.getByTestId('dist-partial')).toBeVisible();

  const shown = await rows(page);
  expect(shown.length).toBeGreaterThanOrEqual(5);
  const want = softmaxAt(await ref.nextLogits(ref.encode(PROMPT)), 1);
  for (const row of shown) expect(Math.abs(row.prob - want[row.id]), `token ${row.id} ${row.text}`).toBeLessThan(PROB_TOLERANCE);
  const other = Number(await page.getByTestId('dist-other').getAttribute('data-prob'));
  const listed = shown.reduce((a, r) => a + r.prob, 0);
  expect(Math.abs(other - (1 - listed))).toBeLessThan(PROB_TOLERANCE);
});

test('Pick continues from the chosen token with the completions API', async ({ page }) => {
  await openOnServer(page);
  await settings(page, { temperature: 0, maxNewTokens: 3 });
  await runToEnd(page);
  await page.getByTestId('gen-token').nth(0).click();
  const second = (await rows(page))[1];
  await page.getByTestId('pick-token').nth(1).click();
  await expect(page.getByTestId('run-summary')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('gen-token').nth(0)).toHaveAttribute('data-token-text', second.text!);
  // the continuation is the model's greedy choice after the picked token
  const ids = ref.encode(PROMPT);
  const next = await ref.greedy([...ids, second.id], 1);
  await expect(page.getByTestId('gen-token')).toHaveCount(3);
  expect(Number(await page.getByTestId('gen-token').nth(1).getAttribute('data-token-id'))).toBe(next[0]);
});

test('Stop aborts the HTTP request at once; no token shows after it', async ({ page }) => {
  await openOnServer(page);
  await settings(page, { temperature: 0, maxNewTokens: 200 });
  server.fault('slow-first-byte', { firstByteDelayMs: 10_000 });
  const before = server.requests.length;
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('stop')).toBeEnabled();
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-summary')).toHaveAttribute('data-reason', 'stopped');
  await expect(page.getByTestId('gen-token')).toHaveCount(0);
  await expect.poll(() => server.requests.slice(before).some((r) => r.aborted), { timeout: 15_000 }).toBe(true);
});

test('a stream cut mid-way keeps the tokens received and says the run was interrupted', async ({ page }) => {
  await openOnServer(page);
  await settings(page, { temperature: 0, maxNewTokens: 10 });
  server.fault('cut-stream', { cutAfterTokens: 2 });
  await runToEnd(page);
  await expect(page.getByTestId('run-summary')).toHaveAttribute('data-reason', 'interrupted');
  await expect(page.getByTestId('gen-token')).toHaveCount(2);
});

test('faults each say their cause, and the lab keeps working', async ({ page }) => {
  await openFresh(page);
  await page.getByTestId('backend-kind').selectOption('server');
  await page.getByTestId('server-url').fill(server.url);

  await page.getByTestId('server-api-key').fill('wrong-key');
  await page.getByTestId('server-connect').click();
  await expect(page.getByTestId('server-status')).toContainText(/401|API key/i);
  await expect(page.getByTestId('server-status')).not.toContainText('wrong-key');

  await page.getByTestId('server-api-key').fill(KEY);
  server.fault('rate-limited', { retryAfterSeconds: 7 });
  await page.getByTestId('server-connect').click();
  await expect(page.getByTestId('server-status')).toContainText(/429|too many|rate/i);
  await expect(page.getByTestId('server-status')).toContainText('7');

  server.fault('cors-refused');
  await page.getByTestId('server-connect').click();
  await expect(page.getByTestId('server-status')).toContainText(/allowed-origins|CORS|origin/i);

  await page.getByTestId('server-url').fill('http://127.0.0.1:9/v1');
  server.fault('none');
  await page.getByTestId('server-connect').click();
  await expect(page.getByTestId('server-status')).toContainText(/reach|unreachable|connect/i);

  // still usable: the right address connects
  await page.getByTestId('server-url').fill(server.url);
  await page.getByTestId('server-connect').click();
  await expect(page.getByTestId('server-status')).toHaveText('connected', { timeout: 60_000 });
});

test('the API key is in no storage and no URL', async ({ page }) => {
  await openOnServer(page);
  await settings(page, { temperature: 0, maxNewTokens: 2 });
  await runToEnd(page);
  const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, url: location.href }));
  expect(stored).not.toContain(KEY);
});

for (const flavor of ['vllm', 'ollama', 'openai'] as const) {
  test(`${flavor}: tokens stream with their top candidates, which are the model’s top probabilities`, async ({ page }) => {
    const other = await startOpenAIServer({ flavor });
    try {
      await openFresh(page);
      await connect(page, other);
      await settings(page, { temperature: 1, maxNewTokens: 2 });
      await runToEnd(page);
      await page.getByTestId('gen-token').nth(0).click();
      // these servers send token text only: compare the listed probabilities with the model's best ones, in order
      const shown = (await rows(page)).map((r) => r.prob).sort((a, b) => b - a);
      const want = [...softmaxAt(await ref.nextLogits(ref.encode(PROMPT)), 1)].sort((a, b) => b - a);
      expect(shown.length).toBeGreaterThanOrEqual(5);
      // the best five in order (a sampled token outside the server's top N may be listed too, after them)
      shown.slice(0, 5).forEach((p, i) => expect(Math.abs(p - want[i]), `rank ${i + 1}`).toBeLessThan(PROB_TOLERANCE));
      for (const p of shown) expect(want.some((w) => Math.abs(w - p) < PROB_TOLERANCE)).toBe(true);
      await expect(page.getByTestId('dist-row').first()).not.toHaveAttribute('data-token-id', /./);
      // OpenAI's API has no top-k: the control says it acts only on the distribution shown
      await expect(page.getByTestId('top-k-not-on-server')).toHaveCount(flavor === 'openai' ? 1 : 0);
    } finally {
      await other.close();
    }
  });
}

test('Chat lab: "Run" sends the conversation and its tools through chat completions, and the answer streams as tokens', async ({ page }) => {
  await openOnServer(page, { api: 'chat' });
  await page.getByTestId('max-new-tokens').fill('3');
  await page.getByTestId('tab-chat').click();
  await expect(page.getByTestId('chat-run')).toHaveText(/Run on the server/);
  const before = server.requests.length;
  await page.getByTestId('chat-run').click();
  await expect(page.getByTestId('tab-generate')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('run-summary')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('gen-token')).toHaveCount(3);
  const sent = server.requests.slice(before);
  expect(sent.map((r) => `${r.method} ${r.path}`)).toContain('POST /v1/chat/completions');
  const chat = sent.find((r) => r.method === 'POST' && r.path === '/v1/chat/completions');
  const body = chat?.body as { messages?: { role: string }[]; tools?: unknown[] } | undefined;
  expect(body?.messages?.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
  expect(body?.tools).toHaveLength(1);
});

test('Chat lab: on a server that gives its window, the budget is measured against that window', async ({ page }) => {
  const vllm = await startOpenAIServer({ flavor: 'vllm', modelId: 'served/nexttoken-base' });
  try {
    await openFresh(page, 'chat');
    const familyWindow = await page.getByTestId('context-window').textContent();
    await page.getByTestId('tab-generate').click();
    await connect(page, vllm);
    const served = await page.getByTestId('server-model').locator('option').first().textContent();
    const window = Number(/window ([\d,]+)/.exec(served ?? '')![1].replace(/,/g, ''));
    await page.getByTestId('tab-chat').click();
    await expect(page.getByTestId('context-window')).toHaveText(String(window));
    expect(String(window)).not.toBe(familyWindow);
    await expect(page.getByText(`Window and prices: the model list of ${vllm.origin}`)).toBeVisible();
  } finally {
    await vllm.close();
  }
});

test('Analyse on a vLLM server: the text is scored as a prompt, each probability equals the model’s', async ({ page }) => {
  const vllm = await startOpenAIServer({ flavor: 'vllm' });
  try {
    await openFresh(page);
    await connect(page, vllm);
    await page.getByTestId('tab-analyse').click();
    const text = 'The little robot walked to the river.';
    await page.getByTestId('analyse-input').fill(text);
    await page.getByTestId('analyse-run').click();
    await expect(page.getByTestId('analyse-partial')).toBeVisible({ timeout: 60_000 });
    const shown = await page.getByTestId('analysed-token').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-prob'))));
    const ids = ref.encode(text); // the server puts the tokenizer's BOS first, as vLLM does
    expect(shown).toHaveLength(ids.length - 1);
    for (let k = 1; k < ids.length; k++) {
      const want = softmaxAt(await ref.nextLogits(ids.slice(0, k)), 1)[ids[k]];
      expect(Math.abs(shown[k - 1] - want), `token ${k}`).toBeLessThan(PROB_TOLERANCE);
    }
  } finally {
    await vllm.close();
  }
});

test('a JSON Schema constraint on vLLM is sent as its structured output: the server enforces it, the page says so', async ({ page }) => {
  const vllm = await startOpenAIServer({ flavor: 'vllm' });
  const schema = { type: 'object', properties: { answer: { enum: ['yes', 'no'] }, n: { type: 'integer', minimum: 0, maximum: 9 } }, required: ['answer', 'n'] };
  try {
    await openFresh(page);
    await connect(page, vllm);
    await settings(page, { temperature: 1, maxNewTokens: 40 });
    await page.getByTestId('constraint-kind').selectOption('json-schema');
    await page.getByTestId('constraint-text').fill(JSON.stringify(schema));
    await expect(page.getByTestId('constraint-status')).toHaveAttribute('data-enforced-by', 'server');
    await expect(page.getByTestId('constraint-status')).toContainText('structured_outputs');
    await runToEnd(page);
    const text = (await page.getByTestId('gen-token').evaluateAll((els) => els.map((e) => e.getAttribute('data-token-text') ?? ''))).join('');
    const doc = JSON.parse(text) as { answer: string; n: number };
    expect(['yes', 'no']).toContain(doc.answer);
    expect(Number.isInteger(doc.n) && doc.n >= 0 && doc.n <= 9).toBe(true);
    expect(Object.keys(doc).sort()).toEqual(['answer', 'n']);
    await expect(page.getByTestId('pipeline-mask')).toContainText('enforced by the server');
  } finally {
    await vllm.close();
  }
});

test('a constraint the server cannot enforce is refused with the reason, and generation with it too', async ({ page }) => {
  const ollama = await startOpenAIServer({ flavor: 'ollama' });
  try {
    await openFresh(page);
    await connect(page, ollama);
    await page.getByTestId('constraint-kind').selectOption('regex');
    await expect(page.getByTestId('constraint-error')).toContainText('Ollama cannot enforce');
    await expect(page.getByTestId('generate')).toBeDisabled();
  } finally {
    await ollama.close();
  }
});
