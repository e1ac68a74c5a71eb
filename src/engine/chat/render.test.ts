/** The plain fallback (a model without a chat template): what it prints and what it reports. */
import { expect, test } from 'vitest';
import { renderChat } from './render';
import type { Conversation } from './types';

const call = { id: 'c1', type: 'function' as const, function: { name: 'get_time', arguments: '{"tz":"UTC"}' } };
const noCalls: Conversation = { tools: [], messages: [{ role: 'user', content: 'Hi' }] };
const withCall: Conversation = { tools: [], messages: [{ role: 'user', content: 'Time?' }, { role: 'assistant', content: null, tool_calls: [call] }] };

test('the plain fallback reports tool calls as rendered only when there are some, and prints each one', () => {
  const none = renderChat({ kind: 'plain' }, noCalls, { addGenerationPrompt: true });
  expect(none.text).toBe('user: Hi\nassistant:');
  expect(none.toolCallsRendered).toBe(false);

  const one = renderChat({ kind: 'plain' }, withCall, { addGenerationPrompt: false });
  expect(one.text).toBe('user: Time?\nassistant:  [call get_time {"tz":"UTC"}]\n');
  expect(one.toolCallsRendered).toBe(true);
  const argsPart = one.parts.find((p) => p.kind === 'tool_call' && p.field === 'arguments')!;
  expect([...one.labels].map((l, i) => (l === argsPart.id ? one.text[i] : '')).join('')).toBe(call.function.arguments);
});
