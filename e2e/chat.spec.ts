import { test, expect, type Page } from './support/test';
import { readFileSync } from 'node:fs';
import { attributeTokens, computeBudget, counterOf, exportConversation, renderChat, simulateGrowth } from '../src/engine/chat/index';
import type { Conversation, TemplateFamilyId } from '../src/engine/chat/index';
import { limitsNode, referenceTokenizerNode, templateSpecNode } from '../src/engine/chat/node';
import { reference } from './support/reference';

// Expected values are computed here, in Node, with Transformers.js' tokenizers (HF families)
// and gpt-tokenizer (OpenAI) — independently of the app's worker-side tokenizers.
const conversation: Conversation = {
  tools: [
    { type: 'function', function: { name: 'get_weather', description: 'Get the weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  ],
  messages: [
    { role: 'system', content: 'You are a helpful assistant that answers questions about weather.' },
    { role: 'user', content: "What's the weather like in Seattle?" },
    { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Seattle"}' } }] },
    { role: 'tool', content: '{"temperature_c": 12}', tool_call_id: 'call_1' },
    { role: 'assistant', content: 'It is 12 °C in Seattle.' },
  ],
};

function expected(family: TemplateFamilyId, conv: Conversation, reserved = 1024) {
  const r = renderChat(templateSpecNode(family), conv, { addGenerationPrompt: true });
  const a = attributeTokens(r, referenceTokenizerNode(family));
  return { text: r.text, count: a.ids.length, budget: computeBudget(r.parts, a.perPart, reserved, limitsNode(family)) };
}

async function importPasted(page: Page, json: string) {
  await page.getByTestId('chat-import-text').fill(json);
  await page.getByTestId('chat-import-button').click();
}

test.beforeEach(async ({ page }) => {
  await page.goto('/#tab=chat');
  await page.evaluate(() => localStorage.clear());
  await page.goto('/#tab=chat');
  await expect(page.getByTestId('chat-template-select')).toBeVisible();
});

test('a conversation renders exactly, with the token count and budget computed in Node', async ({ page }) => {
  await importPasted(page, JSON.stringify({ messages: conversation.messages.slice(0, 4), tools: conversation.tools }));
  // build the last message by hand
  await page.getByTestId('add-message-role').selectOption('assistant');
  await page.getByTestId('add-message').click();
  await page.getByTestId('chat-message-content').last().fill('It is 12 °C in Seattle.');
  await expect(page.getByTestId('chat-message')).toHaveCount(5);
  await expect(page.getByTestId('chat-message').last()).toHaveAttribute('data-role', 'assistant');
  await expect(page.getByTestId('add-generation-prompt')).toBeChecked();

  for (const family of ['qwen', 'llama3', 'o200k_base'] as const) {
    await page.getByTestId('chat-template-select').selectOption(family);
    const want = expected(family, conversation);
    await expect(page.getByTestId('rendered-template')).toHaveText(want.text, { useInnerText: false });
    await expect(page.getByTestId('chat-token-count')).toHaveText(String(want.count));
    await expect(page.getByTestId('context-window')).toHaveText(String(want.budget.contextWindow));
    const segments = await page.getByTestId('budget-segment').evaluateAll((els) => els.map((e) => ({ part: e.getAttribute('data-part'), tokens: Number(e.getAttribute('data-tokens')) })));
    expect(segments).toEqual(want.budget.segments);
    if (want.budget.cost) await expect(page.getByTestId('cost-estimate')).toContainText(want.budget.cost.total.toFixed(4).slice(0, 5));
    else await expect(page.getByTestId('cost-estimate')).toHaveText('n/a');
  }
});

test('growth overflows the window where Node says, and drop-oldest removes the oldest messages', async ({ page }) => {
  await importPasted(page, JSON.stringify({ messages: conversation.messages }));
  await page.getByTestId('chat-template-select').selectOption('llama3');
  const turns = 300;
  await page.getByTestId('growth-turns').fill(String(turns));
  const spec = templateSpecNode('llama3');
  const g = simulateGrowth(spec, { ...conversation, tools: [] }, { addGenerationPrompt: true }, counterOf(referenceTokenizerNode('llama3')), 1024, limitsNode('llama3').contextWindow, turns);
  expect(g.overflowAt).not.toBeNull();
  await expect(page.getByTestId('growth-overflow')).toHaveAttribute('data-turn', String(g.overflowAt));
  await expect(page.getByTestId('growth-dropped-count')).toHaveText(String(g.dropped.length));
});

test('export then import gives back the same conversation; malformed JSON is refused with a clear message', async ({ page }) => {
  await importPasted(page, exportConversation(conversation));
  await expect(page.getByTestId('chat-message')).toHaveCount(5);
  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('chat-export').click();
  const file = await (await downloadPromise).path();
  const exported = readFileSync(file!, 'utf8');
  expect(JSON.parse(exported)).toEqual(JSON.parse(exportConversation(conversation)));

  // change the conversation, then import the exported file
  await page.getByTestId('chat-message-content').first().fill('Changed');
  await page.getByTestId('chat-import-file').setInputFiles(file!);
  await expect(page.getByTestId('chat-message-content').first()).toHaveValue(conversation.messages[0].content!);

  // malformed: clear message, nothing lost
  await importPasted(page, '{"messages": [{"role": "wizard", "content": "hi"}]}');
  await expect(page.getByTestId('chat-import-error')).toContainText('messages[0].role must be one of');
  await importPasted(page, '{"messages": [');
  await expect(page.getByTestId('chat-import-error')).toContainText('not valid JSON');
  await expect(page.getByTestId('chat-message')).toHaveCount(5);

  // the conversation survives a reload
  await page.reload();
  await expect(page.getByTestId('chat-message')).toHaveCount(5);
  await expect(page.getByTestId('chat-message-content').first()).toHaveValue(conversation.messages[0].content!);
});

test('"Run" sends the exact rendered template to the Generate lab, which tokenizes it as is and generates', async ({ page }) => {
  // short enough for the embedded model's window
  const short: Conversation = { tools: [], messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Where do ships go?' }] };
  await importPasted(page, exportConversation(short));
  await page.getByTestId('chat-template-select').selectOption('qwen');
  const rendered = expected('qwen', short).text;
  await expect.poll(() => page.getByTestId('rendered-template').textContent()).toBe(rendered);
  await page.getByTestId('chat-run').click();
  await expect(page.getByTestId('tab-generate')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('prompt-input')).toHaveValue(rendered);
  // the template already holds its special tokens: nothing more is added
  await expect(page.getByTestId('prompt-special-tokens')).not.toBeChecked();
  await expect(page.getByTestId('run-summary')).toBeVisible({ timeout: 120_000 });
  const ref = await reference();
  const promptIds = await page.getByTestId('prompt-token').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-token-id'))));
  expect(promptIds).toEqual(ref.encode(rendered, false));
  expect(await page.getByTestId('gen-token').count()).toBeGreaterThan(0);
});

test('a template that refuses the conversation shows why in place of the render, and Run is gone until it renders', async ({ page }) => {
  await expect(page.getByTestId('rendered-template')).toBeVisible();
  // Gemma 3's template accepts only alternating user/assistant turns: the default conversation has a tool result
  await page.getByTestId('chat-template-select').selectOption('gemma3');
  await expect(page.getByTestId('chat-error')).toBeVisible();
  await expect(page.getByTestId('rendered-template')).toHaveCount(0);
  await expect(page.getByTestId('chat-run')).toHaveCount(0);
  await expect(page.getByTestId('chat-token-count')).toHaveCount(0);
  await page.getByTestId('chat-template-select').selectOption('qwen');
  await expect(page.getByTestId('rendered-template')).toBeVisible();
  await expect(page.getByTestId('chat-error')).toHaveCount(0);
});

test('a tool name that does not validate is kept as typed, said in the editor, and survives a reload with the conversation', async ({ page }) => {
  await page.getByTestId('chat-message-content').first().fill('My own system prompt.');
  await page.getByTestId('tool-name').first().fill('get weather');
  await expect(page.getByTestId('tool-name-error')).toContainText('letters, digits');
  await page.waitForTimeout(300);
  await page.reload();
  await expect(page.getByTestId('tool-name').first()).toHaveValue('get weather');
  await expect(page.getByTestId('chat-message-content').first()).toHaveValue('My own system prompt.');
  await expect(page.getByTestId('chat-stored-problem')).toContainText('get weather');
  // fixing it keeps everything else
  await page.getByTestId('tool-name').first().fill('get_weather');
  await expect(page.getByTestId('tool-name-error')).toHaveCount(0);
  await expect(page.getByTestId('chat-stored-problem')).toHaveCount(0);
  await page.waitForTimeout(300);
  await page.reload();
  await expect(page.getByTestId('chat-stored-problem')).toHaveCount(0);
  await expect(page.getByTestId('chat-message-content').first()).toHaveValue('My own system prompt.');
});

/**
 * Scrolls the page as a reader does with the scrollbar, from what is drawn towards message `n`, until its editor is
 * in view; returns its content field. (A long conversation draws only the editors near the viewport.)
 */
async function scrollToMessage(page: Page, n: number) {
  const field = page.locator(`#chat-content-${n - 1}`);
  await expect(async () => {
    await page.getByTestId('chat-messages').evaluate((list, n) => {
      const drawn = [...list.querySelectorAll<HTMLElement>('[data-index]')].filter((e) => !e.style.position);
      const at = (e: Element) => e.getBoundingClientRect();
      if (!drawn.length) return window.scrollBy(0, at(list).top + ((n - 0.5) / Number(list.getAttribute('data-count'))) * at(list).height - innerHeight / 2);
      const [first, last] = [drawn[0], drawn[drawn.length - 1]];
      const [i0, i1] = [Number(first.dataset.index), Number(last.dataset.index)];
      const slot = (at(last).bottom - at(first).top) / (i1 - i0 + 1);
      const y = n - 1 < i0 ? at(first).top + (n - 1 - i0) * slot : n - 1 > i1 ? at(last).top + (n - 1 - i1) * slot : at(drawn[n - 1 - i0]).top;
      window.scrollBy(0, y - innerHeight / 3);
    }, n);
    await expect(field).toBeInViewport({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  return field;
}

test('a conversation of 1,500 messages is imported whole, drawn near the viewport: any message scrolls into view and is edited', async ({ page }) => {
  const messages = Array.from({ length: 1500 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `Message number ${i + 1} of the long chat.` }));
  await importPasted(page, JSON.stringify({ messages, tools: [] }));
  const list = page.getByTestId('chat-messages');
  await expect(list).toHaveAttribute('data-count', '1500');
  await expect(page.getByTestId('rendered-template')).toContainText('Message number 1500 of the long chat.', { timeout: 60_000 });
  // only the editors near the viewport are in the page, each saying its place in the whole list
  expect(await page.getByTestId('chat-message').count()).toBeLessThan(60);
  await expect(page.getByTestId('chat-message').first()).toHaveAttribute('aria-setsize', '1500');
  // the list is as tall as all its messages: the page's scrollbar spans the whole conversation
  expect(await list.evaluate((e) => e.getBoundingClientRect().height)).toBeGreaterThan(1500 * 100);

  // the last message: scrolled to, it shows its text and takes an edit
  const last = await scrollToMessage(page, 1500);
  await expect(last).toHaveValue('Message number 1500 of the long chat.');
  await expect(page.getByLabel('Role of message 1500')).toHaveValue('assistant');
  await last.fill('Edited at the very end.');
  await expect(page.getByTestId('rendered-template')).toContainText('Edited at the very end.', { timeout: 60_000 });

  // one far up the list: scrolled to, edited by typing; it keeps the focus while the page scrolls far away from it
  const far = await scrollToMessage(page, 300);
  await expect(far).toHaveValue('Message number 300 of the long chat.');
  await expect(page.getByTestId('chat-message').filter({ has: far })).toHaveAttribute('aria-posinset', '300');
  await far.click();
  await page.keyboard.press('End');
  await page.keyboard.type(' Typed here.');
  await expect(await scrollToMessage(page, 1200)).toHaveValue('Message number 1200 of the long chat.');
  await expect(far).not.toBeInViewport();
  await expect(far).toBeFocused();
  await page.keyboard.type(' And here, scrolled away.');
  await expect(far).toHaveValue('Message number 300 of the long chat. Typed here. And here, scrolled away.');
  await expect(page.getByTestId('rendered-template')).toContainText('Message number 300 of the long chat. Typed here. And here, scrolled away.', { timeout: 60_000 });
  await expect(list).toHaveAttribute('data-count', '1500');

  // the keyboard walks the list past what was drawn: each Tab scrolls its field into view, which draws the next ones
  const first = await scrollToMessage(page, 1);
  const drawnAtFirst = await page.getByTestId('chat-message').evaluateAll((els) => Math.max(...els.filter((e) => !(e as HTMLElement).style.position).map((e) => Number((e as HTMLElement).dataset.index))));
  await first.focus();
  const focusedMessage = () => page.evaluate(() => Number((document.activeElement?.closest('[data-index]') as HTMLElement | null)?.dataset.index ?? -1));
  const visited = [await focusedMessage()];
  for (let i = 0; i < 8 * (drawnAtFirst + 2); i++) {
    await page.keyboard.press('Tab');
    visited.push(await focusedMessage());
  }
  // message after message, none skipped (a list that did not draw ahead would jump to its last, always drawn)
  expect(visited.slice(1).every((m, k) => m - visited[k] === 0 || m - visited[k] === 1)).toBe(true);
  expect(visited[visited.length - 1]).toBeGreaterThan(drawnAtFirst + 1);
  await expect(page.locator('*:focus')).toBeInViewport();
});
