import { test, expect, type Page } from './support/test';
import { referenceIds, referenceIdsWithSpecials } from '../tests/reference/tokenizerReference';
import { makeShareLink } from '../src/state/shareLink';
import { engineTraffic, spyOnEngine } from './support/lab';

async function chipIds(page: Page): Promise<number[]> {
  return page.getByTestId('token').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-token-id'))));
}

async function tokenize(page: Page, tokenizerId: string, text: string) {
  await page.getByTestId('tokenizer-select').selectOption(tokenizerId);
  await page.getByTestId('tokenizer-input').fill(text);
}

/** Waits until the chips are those of exactly this reference. */
async function expectIds(page: Page, expected: number[]) {
  await expect(page.getByTestId('token-count')).toHaveText(String(expected.length));
  await expect.poll(() => chipIds(page)).toEqual(expected);
}

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.goto('/');
});

test('GPT-4o tokens match tiktoken, with an ID per chip', async ({ page }) => {
  await tokenize(page, 'o200k_base', 'Tokenization is fascinating!');
  await expectIds(page, await referenceIds('o200k_base', 'Tokenization is fascinating!'));
  await expect(page.getByTestId('token')).toHaveCount(5);
  const first = page.getByTestId('token').first();
  await expect(first).toHaveAttribute('data-token-index', '0');
});

const TRICKY = [
  'Hello, world!  Trailing spaces   ',
  '👍🏽 👨‍👩‍👧‍👦 🇯🇵 emoji with skin tones and ZWJ',
  '日本語のテキストと中文文本',
  'مرحبا بالعالم — שלום עולם',
  'def f(x):\r\n\treturn x ** 2  # code\n\n\n',
  '3.14159265358979323846264338327950288419716939937510',
  'Supercalifragilisticexpialidocious' + 'a'.repeat(300),
];

/** A real paste event (as Ctrl+V fires) of `data` at field offset `caret`. */
async function clipboardPaste(page: Page, caret: number, data: string) {
  await page.getByTestId('tokenizer-input').evaluate(
    (el: HTMLTextAreaElement, [at, text]) => {
      el.setSelectionRange(at as number, at as number);
      const clipboardData = new DataTransfer();
      clipboardData.setData('text/plain', text as string);
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }));
    },
    [caret, data] as const,
  );
}

/** Like a paste: the whole text arrives in one input event (Playwright's fill types it in chunks). */
async function paste(page: Page, text: string) {
  await page.getByTestId('tokenizer-input').evaluate((el, value) => {
    const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!;
    setter.call(el, value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

for (const tokenizerId of ['o200k_base', 'cl100k_base', 'r50k_base', 'llama3', 'qwen', 'gemma3', 'deepseek_v3']) {
  test(`${tokenizerId}: IDs equal the reference tokenizer on tricky text`, async ({ page }) => {
    await tokenize(page, tokenizerId, TRICKY.join('\n'));
    // a text field turns CRLF into LF: the reference gets exactly what the field holds
    const text = await page.getByTestId('tokenizer-input').inputValue();
    await expectIds(page, await referenceIds(tokenizerId, text));
  });
}

test('byte pieces of an emoji are shown as bytes, never as a replacement character', async ({ page }) => {
  await tokenize(page, 'r50k_base', '🧩');
  const ids = await referenceIds('r50k_base', '🧩');
  expect(ids.length).toBeGreaterThan(1); // GPT-2 splits this emoji into byte pieces
  await expectIds(page, ids);
  const labels = await page.getByTestId('token').allInnerTexts();
  expect(labels.join('')).not.toContain('\uFFFD');
  expect(labels[0]).toMatch(/<F0 9F/);
});

test('whitespace is visible but copying the chips gives back the original text', async ({ page }) => {
  const copyChips = () =>
    page.getByTestId('token-chips').evaluate((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      const sel = window.getSelection()!;
      sel.removeAllRanges();
      sel.addRange(range);
      return sel.toString();
    });
  const text = 'a b\tc\nd  e';
  await tokenize(page, 'cl100k_base', text);
  await expectIds(page, await referenceIds('cl100k_base', text));
  await expect(page.locator('[data-testid="token-chips"] .ws-tab')).toHaveCount(1);
  await expect(page.locator('[data-testid="token-chips"] .ws-nl')).toHaveCount(1);
  expect(await copyChips()).toBe(text);

  // a longer text is drawn in blocks that end where a line ends: they add no line break of their own
  const paragraph = 'The keeper climbed the stairs of the lighthouse and lit the lamp, again and again. '.repeat(8);
  const long = [paragraph, paragraph, `${paragraph}\n`, paragraph].join('\n');
  await tokenize(page, 'cl100k_base', long);
  await expectIds(page, await referenceIds('cl100k_base', long));
  expect(await page.locator('[data-testid="token-chips"] .chip-part').count()).toBeGreaterThan(1);
  expect(await copyChips()).toBe(long);
});

test('each token tells its ID, text and bytes on focus, and the keyboard moves between tokens', async ({ page }) => {
  await tokenize(page, 'o200k_base', 'Hi there');
  const ids = await referenceIds('o200k_base', 'Hi there');
  await expectIds(page, ids);
  const chips = page.getByTestId('token');
  await chips.first().focus();
  await expect(page.getByTestId('inspector-id')).toHaveText(String(ids[0]));
  await page.keyboard.press('ArrowRight');
  await expect(chips.nth(1)).toBeFocused();
  await expect(page.getByTestId('inspector-id')).toHaveText(String(ids[1]));
  await expect(page.getByTestId('inspector-text')).toContainText('" there"');
  await expect(page.getByTestId('inspector-bytes')).toContainText('20 74 68 65 72 65');
  await expect(chips.nth(1)).toHaveAttribute('aria-label', `Token 2: " there", ID ${ids[1]}`);
});

test('the ID view lists the IDs as a copyable array', async ({ page }) => {
  await tokenize(page, 'llama3', 'The quick brown fox');
  const ids = await referenceIds('llama3', 'The quick brown fox');
  await expectIds(page, ids);
  await page.getByTestId('view-ids').check();
  await expect(page.getByTestId('token-ids')).toHaveText(JSON.stringify(ids).replace(/,/g, ', '));
});

test('special tokens: off by default (text stays text), on adds and parses them', async ({ page }) => {
  const text = 'Hello<|endoftext|>';
  await tokenize(page, 'o200k_base', text);
  await expectIds(page, await referenceIds('o200k_base', text));
  await page.getByTestId('special-tokens').check();
  const withSpecials = await referenceIdsWithSpecials('o200k_base', text);
  await expectIds(page, withSpecials);
  await expect(page.locator('.chip-special')).toHaveCount(1);

  await page.getByTestId('tokenizer-select').selectOption('llama3');
  await expectIds(page, await referenceIdsWithSpecials('llama3', text));
});

test('counts: characters, words, and the ratios', async ({ page }) => {
  const text = 'one two three 🧩';
  await tokenize(page, 'o200k_base', text);
  const ids = await referenceIds('o200k_base', text);
  await expectIds(page, ids);
  await expect(page.getByTestId('char-count')).toHaveText('15');
  await expect(page.getByTestId('word-count')).toHaveText('4');
  await expect(page.getByTestId('tokens-per-word')).toHaveText((ids.length / 4).toFixed(2));
  await expect(page.getByTestId('chars-per-token')).toHaveText((15 / ids.length).toFixed(2));
});

test('compare: every tokenizer counts the same text', async ({ page }) => {
  const text = 'Compare me: 日本語 and code() 12345';
  await page.getByTestId('tokenizer-input').fill(text);
  await page.getByTestId('compare-run').click();
  const rows = page.getByTestId('compare-row');
  // every vocabulary is downloaded and parsed first (Gemma 3's alone is 33 MB): slow on a loaded machine, not wrong
  await expect(rows).toHaveCount(8, { timeout: 120_000 });
  for (const id of ['o200k_base', 'cl100k_base', 'r50k_base', 'llama3', 'qwen', 'gemma3', 'deepseek_v3']) {
    const expected = (await referenceIds(id, text)).length;
    await expect(page.locator(`[data-testid="compare-row"][data-tokenizer="${id}"]`)).toHaveAttribute('data-count', String(expected));
  }
});

test('bad input never breaks the page: empty, lone surrogates, NUL, RTL, zero-width, markup', async ({ page }) => {
  await tokenize(page, 'o200k_base', '');
  await expect(page.getByTestId('token-count')).toHaveText('0');
  await expect(page.getByTestId('no-tokens')).toBeVisible();

  const nasty = 'a\u0000b\u200Bc\u202Ed\uD800e <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
  await tokenize(page, 'cl100k_base', nasty);
  await expectIds(page, await referenceIds('cl100k_base', nasty));
  await expect(page.locator('[data-testid="token-chips"] img')).toHaveCount(0);
  await expect(page.locator('[data-testid="token-chips"] script')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  await expect(page.getByTestId('tokenizer-error')).toHaveCount(0);
});

test('text and tokenizer survive a reload; a share link carries short text', async ({ page }) => {
  await tokenize(page, 'gemma3', 'Remember me');
  await expectIds(page, await referenceIds('gemma3', 'Remember me'));
  await page.waitForTimeout(400); // persistence is debounced
  await page.reload();
  await expect(page.getByTestId('tokenizer-input')).toHaveValue('Remember me');
  await expect(page.getByTestId('tokenizer-select')).toHaveValue('gemma3');

  await page.getByTestId('share-link').click();
  const url = page.url();
  expect(url).toContain('#');
  const other = await page.context().newPage();
  await other.goto(url);
  await expect(other.getByTestId('tokenizer-input')).toHaveValue('Remember me');
  await expect(other.getByTestId('tokenizer-select')).toHaveValue('gemma3');
});

test('a 1 MB paste is tokenized exactly, with chips shown a window at a time', async ({ page }) => {
  const unit = 'The quick brown fox jumps over the lazy dog. 日本語 🧩 1234567\n';
  const text = unit.repeat(Math.ceil(1_000_000 / unit.length));
  const expected = await referenceIds('o200k_base', text);
  await page.getByTestId('tokenizer-select').selectOption('o200k_base');
  await paste(page, text);
  await expect(page.getByTestId('token-count')).toHaveText(String(expected.length), { timeout: 60_000 });
  await expect(page.getByTestId('token')).toHaveCount(2000);
  await expect(page.getByTestId('chip-window')).toContainText(`of ${expected.length.toLocaleString('en-US')}`);
  const first = await chipIds(page);
  expect(first).toEqual(expected.slice(0, 2000));
});

test('a large text is cut at safe points and tokenized on several cores, exactly', async ({ page }) => {
  await spyOnEngine(page);
  await page.reload();
  expect(await page.evaluate(() => navigator.hardwareConcurrency), 'this test needs a machine with 2 cores or more').toBeGreaterThan(1);
  await page.getByTestId('tokenizer-select').selectOption('o200k_base');
  const unit = 'Split me where it is safe: words, numbers 1234, 日本語 and 🧩 emoji.\n';
  let text = unit.repeat(Math.ceil(300_000 / unit.length));
  await paste(page, text);
  await expect(page.getByTestId('token-count')).toHaveText(String((await referenceIds('o200k_base', text)).length), { timeout: 60_000 });
  // the first large text made the worker's helpers load the tokenizer: a large paste is then split across them
  const input = page.getByTestId('tokenizer-input');
  let parts = 1;
  for (let k = 0; k < 8 && parts < 2; k++) {
    const block = `Block ${k}: ${unit.repeat(Math.ceil(200_000 / unit.length))}`;
    const at = Number(await input.getAttribute('data-window-start'));
    await clipboardPaste(page, 0, block);
    text = text.slice(0, at) + block + text.slice(at);
    const expected = await referenceIds('o200k_base', text);
    await expect(page.getByTestId('token-count')).toHaveText(String(expected.length), { timeout: 60_000 });
    const tokenized = (await engineTraffic(page)).filter((m) => m.type === 'tokenized' && m.textLength === text.length);
    parts = tokenized[tokenized.length - 1]?.parts ?? 1;
  }
  expect(parts).toBeGreaterThan(1);
});

test('a 5 MB paste gets an exact count and says it is too large to keep across reloads', async ({ page }) => {
  const unit = 'Lorem ipsum dolor sit amet, 数字 12345 🧩\n';
  const text = unit.repeat(Math.ceil(5_000_000 / unit.length));
  const expected = await referenceIds('cl100k_base', text);
  await page.getByTestId('tokenizer-select').selectOption('cl100k_base');
  await expect(page.getByTestId('tokenizer-status')).toHaveAttribute('data-status', 'ready');
  await paste(page, text);
  // long work shows progress (5 MB takes the worker about half a second)
  await expect(page.getByRole('progressbar', { name: 'Tokenizing' })).toBeVisible();
  await expect(page.getByTestId('token-count')).toHaveText(String(expected.length), { timeout: 90_000 });
  await expect(page.getByRole('progressbar')).toHaveCount(0);
  await expect(page.getByText('This text is too large to keep across reloads')).toBeVisible();
  await expect(page.getByTestId('tokenizer-error')).toHaveCount(0);
  // the field shows the part around the caret (the end), not 5 MB
  const input = page.getByTestId('tokenizer-input');
  await expect(input).toHaveAttribute('data-window-end', String(text.length));
  expect((await input.inputValue()).length).toBeLessThan(30_000);
  // the page still answers: typing at the end updates the count incrementally
  await input.press('End');
  await input.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(el.value.length, el.value.length));
  await page.keyboard.type(' end');
  await expect(page.getByTestId('token-count')).toHaveText(String((await referenceIds('cl100k_base', text + ' end')).length), { timeout: 30_000 });
});

test('a large text is edited a part at a time: typing, pasting and moving map onto the whole text', async ({ page }) => {
  const lines = Array.from({ length: 12_000 }, (_, i) => `Line ${i}: the quick brown fox 🦊 jumps over the lazy dog.\n`);
  let text = lines.join('');
  await page.getByTestId('tokenizer-select').selectOption('o200k_base');
  await paste(page, text);
  await expect(page.getByTestId('token-count')).toHaveText(String((await referenceIds('o200k_base', text)).length), { timeout: 60_000 });
  const input = page.getByTestId('tokenizer-input');
  await expect(page.getByTestId('text-window')).toContainText(`of ${text.length.toLocaleString('en-US')}`);

  // move to the middle with the slider: the field holds exactly that slice of the text
  const middle = text.indexOf('Line 6000:');
  await page.getByTestId('text-window-position').fill(String(middle));
  await expect(input).not.toHaveAttribute('data-window-start', '0');
  const start = Number(await input.getAttribute('data-window-start'));
  const end = Number(await input.getAttribute('data-window-end'));
  expect(start).toBeLessThanOrEqual(middle);
  expect(end).toBeGreaterThan(middle);
  expect(await input.inputValue()).toBe(text.slice(start, end));

  // the chips follow on request: the page holding the part's first token
  await page.getByTestId('text-window-tokens').click();
  const firstOfPart = (await referenceIds('o200k_base', text.slice(0, start))).length; // the part starts on a line
  const chip = page.locator(`[data-testid="token"][data-token-index="${firstOfPart}"]`);
  await expect(chip).toHaveAttribute('data-token-id', String((await referenceIds('o200k_base', text))[firstOfPart]));
  await expect(page.getByTestId('chip-window')).toContainText(`Tokens ${(Math.floor(firstOfPart / 2000) * 2000 + 1).toLocaleString('en-US')}–`);

  // type in the window: the edit lands at the same place in the whole text
  const at = middle + 'Line 6000: the'.length;
  await input.focus();
  await input.evaluate((el: HTMLTextAreaElement, caret) => el.setSelectionRange(caret, caret), at - start);
  await page.keyboard.type(' very');
  text = text.slice(0, at) + ' very' + text.slice(at);
  await expect(page.getByTestId('token-count')).toHaveText(String((await referenceIds('o200k_base', text)).length), { timeout: 30_000 });

  // paste a large block into the window (a real paste event): applied to the whole text
  const block = 'Pasted paragraph with 日本語 and numbers 1234567.\r\n'.repeat(3000);
  const pasteAt = at + ' very'.length;
  await clipboardPaste(page, pasteAt - start, block);
  text = text.slice(0, pasteAt) + block.replaceAll('\r\n', '\n') + text.slice(pasteAt);
  await expect(page.getByTestId('token-count')).toHaveText(String((await referenceIds('o200k_base', text)).length), { timeout: 30_000 });
  expect((await input.inputValue()).length).toBeLessThan(30_000);

  // Ctrl+Home shows the start of the text; the first chips are the text's first tokens
  await input.press('Control+Home');
  await expect(input).toHaveAttribute('data-window-start', '0');
  expect(await input.inputValue()).toBe(text.slice(0, Number(await input.getAttribute('data-window-end'))));
  await page.getByTestId('text-window-tokens').click();
  const expected = (await referenceIds('o200k_base', text)).slice(0, 2000);
  await expect.poll(() => chipIds(page)).toEqual(expected);
});

test('a large paste into a short text that arrived with CRLF lands where the caret is', async ({ page }) => {
  const short = 'first line\r\nsecond line\r\n';
  const link = makeShareLink({ text: short, tokenizerId: 'o200k_base', specialTokens: false }, 'http://localhost/')!;
  await page.goto(`/${new URL(link).hash}`);
  await page.reload(); // a hash change alone does not load the page again
  const input = page.getByTestId('tokenizer-input');
  await expect(input).toHaveValue('first line\nsecond line\n'); // the field shows LF
  // paste 120 KB after "second" (offset in the field's LF text)
  const block = 'pasted words and more words 12345\n'.repeat(3600);
  const at = 'first line\nsecond'.length;
  await input.focus();
  await clipboardPaste(page, at, block);
  const text = 'first line\nsecond' + block + ' line\n';
  await expect(page.getByTestId('token-count')).toHaveText(String((await referenceIds('o200k_base', text)).length));
  await expect(page.getByTestId('text-window')).toContainText(`of ${text.length.toLocaleString('en-US')}`);
});

test('a share link is applied once: edits survive a reload, and a new link in an open app is applied', async ({ page }) => {
  const link = (text: string, tok: string) => `/#tok=${tok}&t=${Buffer.from(text).toString('base64url')}`;
  await page.goto(link('Shared text', 'llama3'));
  await expect(page.getByTestId('tokenizer-input')).toHaveValue('Shared text');
  await expect(page.getByTestId('tokenizer-select')).toHaveValue('llama3');
  expect(page.url()).not.toContain('t=');
  await page.getByTestId('tokenizer-input').fill('Shared text, edited');
  await page.waitForTimeout(400); // persistence waits for a pause in typing
  await page.reload();
  await expect(page.getByTestId('tokenizer-input')).toHaveValue('Shared text, edited');

  await page.evaluate((hash) => (location.hash = hash), link('Another link', 'cl100k_base').slice(1));
  await expect(page.getByTestId('tokenizer-input')).toHaveValue('Another link');
  await expect(page.getByTestId('tokenizer-select')).toHaveValue('cl100k_base');
});
