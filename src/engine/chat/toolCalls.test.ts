import { describe, expect, it } from 'vitest';
import { FAMILIES } from './catalog';
import { compactJson, formatToolCall, parseToolCallText, toolCallFormat } from './toolCalls';

const args = { city: 'Zürich "centre"', days: 3, units: ['c', 'f'], detail: { hourly: false, note: null } };

describe('tool-call formats', () => {
  it('writes compact one-line JSON with ", " and ": " separators', () => {
    expect(compactJson(args)).toBe('{"city": "Zürich \\"centre\\"", "days": 3, "units": ["c", "f"], "detail": {"hourly": false, "note": null}}');
    expect(JSON.parse(compactJson(args))).toEqual(args);
  });

  it('writes each family its own text for one call', () => {
    const a = { q: 1 };
    expect(formatToolCall('qwen', 'search', a)).toBe('<tool_call>\n{"name": "search", "arguments": {"q": 1}}\n</tool_call>');
    expect(formatToolCall('llama3', 'search', a)).toBe('{"name": "search", "parameters": {"q": 1}}');
    expect(formatToolCall('gemma3', 'search', a)).toBe('{"name": "search", "arguments": {"q": 1}}');
    expect(formatToolCall('deepseek_v3', 'search', a)).toBe(
      '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>search\n```json\n{"q": 1}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    );
    expect(formatToolCall('o200k_base', 'search', a)).toBe('{"q": 1}');
    for (const f of FAMILIES) expect(toolCallFormat(f.id, 'search').note.length).toBeGreaterThan(10);
  });

  it.each(FAMILIES.map((f) => f.id))('round-trips format → parse for %s', (family) => {
    const text = formatToolCall(family, 'get_weather', args);
    expect(parseToolCallText(family, text, ['get_weather'])).toEqual({ name: 'get_weather', arguments: args });
    expect(parseToolCallText(family, `\n  ${text}  \n`, ['get_weather', 'other'].slice(0, family === 'o200k_base' ? 1 : 2))).toEqual({
      name: 'get_weather',
      arguments: args,
    });
  });

  it('says what is wrong with a text that is not a call', () => {
    expect(parseToolCallText('qwen', '{"name": "a", "arguments": {}}')).toHaveProperty('problem', expect.stringContaining('<tool_call>'));
    expect(parseToolCallText('qwen', '<tool_call>\n{"name": "a", "arguments": {}\n</tool_call>')).toHaveProperty('problem', expect.stringContaining('not valid JSON'));
    expect(parseToolCallText('llama3', '{"name": "a", "parameters": [1]}')).toHaveProperty('problem', expect.stringContaining('not a JSON object'));
    expect(parseToolCallText('gemma3', '{"arguments": {}}')).toHaveProperty('problem', expect.stringContaining('"name"'));
    expect(parseToolCallText('gemma3', '{"name": "b", "arguments": {}}', ['a'])).toHaveProperty('problem', expect.stringContaining('not one of the tools'));
    expect(parseToolCallText('deepseek_v3', '```json\n{}\n```')).toHaveProperty('problem', expect.stringContaining('<｜tool▁sep｜>'));
    expect(parseToolCallText('o200k_base', '{}')).toHaveProperty('problem', expect.stringContaining('header'));
  });

  it('accepts the variants models write: Llama 3.1 "arguments", DeepSeek without the outer markers', () => {
    expect(parseToolCallText('llama3', '<|python_tag|>{"name": "a", "arguments": {"x": 1}}')).toEqual({ name: 'a', arguments: { x: 1 } });
    expect(parseToolCallText('deepseek_v3', '<｜tool▁call▁begin｜>function<｜tool▁sep｜>a\n```json\n{"x":1}\n```<｜tool▁call▁end｜>')).toEqual({ name: 'a', arguments: { x: 1 } });
  });
});
