/**
 * A constraint in each server's own structured-output option: the request body of every server × API × kind, the
 * kinds each server refuses (before any request), and invalid constraints.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ToolDefinition } from '../../chat/types';
import type { ConstraintKind, ConstraintSpec } from '../../grammar/types';
import { DEFAULT_SAMPLING } from '../../sampling/types';
import { ServerBackend, type ServerConnection } from './backend';
import { choiceGrammar } from '../../grammar/choices';
import { serverConstraintSupport, toolCallSchema } from './constraints';
import { buildRequest, type GenerationInput } from './requests';
import { vllmTakesGuidedFields, type ServerApi, type ServerFlavor } from './types';

const SCHEMA = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
const PARAMETERS = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const CALL_SCHEMA = toolCallSchema('get_weather', PARAMETERS);

const SPECS: Record<Exclude<ConstraintKind, 'none'>, ConstraintSpec> = {
  json: { kind: 'json', text: '' },
  'json-schema': { kind: 'json-schema', text: JSON.stringify(SCHEMA) },
  regex: { kind: 'regex', text: '[0-9]{3}' },
  grammar: { kind: 'grammar', text: 'root ::= "a" | "b"' },
  choice: { kind: 'choice', text: 'yes\nno\r\n\nyes' },
  tool: { kind: 'tool', text: '', tool: { name: 'get_weather', description: 'The weather in a city', parameters: PARAMETERS, family: 'qwen' } },
};

const OTHER_TOOL: ToolDefinition = { type: 'function', function: { name: 'search', parameters: { type: 'object' } } };

function input(api: ServerApi, constraint: ConstraintSpec | null): GenerationInput {
  return {
    prompt: 'Answer:',
    conversation: api === 'chat' ? { messages: [{ role: 'user', content: 'Answer.' }], tools: [OTHER_TOOL] } : null,
    assistantPrefix: '',
    maxTokens: 8,
    settings: DEFAULT_SAMPLING,
    seed: 1,
    topLogprobs: 20,
    constraint,
  };
}

const body = (flavor: ServerFlavor, api: ServerApi, spec: ConstraintSpec | null) => buildRequest(flavor, api, 'http://127.0.0.1:8000/v1', 'm', input(api, spec)).body;

const forcedCall = (strict: boolean) => ({
  tools: [OTHER_TOOL, { type: 'function', function: { name: 'get_weather', description: 'The weather in a city', parameters: PARAMETERS, ...(strict && { strict: true }) } }],
  tool_choice: { type: 'function', function: { name: 'get_weather' } },
});

/** The fields each supported combination adds to the body (and the option the UI names). */
const SUPPORTED: [ServerFlavor, ServerApi, Exclude<ConstraintKind, 'none'>, string, Record<string, unknown>][] = [
  ...(['completions', 'chat'] as const).flatMap((api): [ServerFlavor, ServerApi, Exclude<ConstraintKind, 'none'>, string, Record<string, unknown>][] => [
    ['vllm', api, 'json', 'structured_outputs', { structured_outputs: { json_object: true } }],
    ['vllm', api, 'json-schema', 'structured_outputs', { structured_outputs: { json: SCHEMA } }],
    ['vllm', api, 'regex', 'structured_outputs', { structured_outputs: { regex: '[0-9]{3}' } }],
    ['vllm', api, 'grammar', 'structured_outputs', { structured_outputs: { grammar: 'root ::= "a" | "b"' } }],
    ['vllm', api, 'choice', 'structured_outputs', { structured_outputs: { choice: ['yes', 'no'] } }],
    ['llama.cpp', api, 'json', 'json_schema', { json_schema: {} }],
    ['llama.cpp', api, 'json-schema', 'json_schema', { json_schema: SCHEMA }],
    ['llama.cpp', api, 'grammar', 'grammar', { grammar: 'root ::= "a" | "b"' }],
    ['llama.cpp', api, 'choice', 'grammar', { grammar: 'root ::= "yes" | "no"' }],
    ['llama.cpp', api, 'tool', 'json_schema', { json_schema: CALL_SCHEMA }],
    ['ollama', api, 'json', 'format', { format: 'json' }],
    ['ollama', api, 'json-schema', 'format', { format: SCHEMA }],
    ['ollama', api, 'tool', 'format', { format: CALL_SCHEMA }],
  ]),
  ['vllm', 'completions', 'tool', 'structured_outputs', { structured_outputs: { json: CALL_SCHEMA } }],
  ['vllm', 'chat', 'tool', 'tool_choice', forcedCall(false)],
  ['openai', 'chat', 'json', 'response_format', { response_format: { type: 'json_object' } }],
  ['openai', 'chat', 'json-schema', 'response_format', { response_format: { type: 'json_schema', json_schema: { name: 'output', schema: SCHEMA, strict: true } } }],
  ['openai', 'chat', 'tool', 'tool_choice', forcedCall(true)],
];

const REFUSED: [ServerFlavor, ServerApi, Exclude<ConstraintKind, 'none'>, RegExp][] = [
  ['llama.cpp', 'completions', 'regex', /llama\.cpp cannot enforce a regular-expression constraint: it has no regular-expression option/],
  ['llama.cpp', 'chat', 'regex', /llama\.cpp cannot enforce a regular-expression constraint/],
  ...(['completions', 'chat'] as const).flatMap((api) =>
    (['regex', 'grammar', 'choice'] as const).map((kind): [ServerFlavor, ServerApi, Exclude<ConstraintKind, 'none'>, RegExp] => [
      'ollama',
      api,
      kind,
      new RegExp(`Ollama cannot enforce a ${kind === 'choice' ? 'choice-list' : kind === 'regex' ? 'regular-expression' : 'grammar'} constraint: its only structured-output option is "format"`),
    ]),
  ),
  ...(['json', 'json-schema', 'regex', 'grammar', 'choice', 'tool'] as const).map((kind): [ServerFlavor, ServerApi, Exclude<ConstraintKind, 'none'>, RegExp] => [
    'openai',
    'completions',
    kind,
    /OpenAI cannot enforce a .* constraint: its completions API has no structured-output option/,
  ]),
  ['openai', 'chat', 'regex', /OpenAI cannot enforce a regular-expression constraint: its chat API enforces only JSON/],
  ['openai', 'chat', 'grammar', /OpenAI cannot enforce a grammar constraint/],
  ['openai', 'chat', 'choice', /OpenAI cannot enforce a choice-list constraint/],
];

describe('each server gets the constraint in its own option', () => {
  it.each(SUPPORTED)('%s, %s, %s: %s', (flavor, api, kind, option, fields) => {
    expect(serverConstraintSupport(flavor, api, kind)).toMatchObject({ supported: true, option });
    const unconstrained = body(flavor, api, null);
    const constrained = body(flavor, api, SPECS[kind]);
    expect(constrained).toEqual({ ...unconstrained, ...fields });
  });

  it.each(REFUSED)('%s, %s, %s: refused', (flavor, api, kind, message) => {
    const support = serverConstraintSupport(flavor, api, kind);
    expect(support.supported).toBe(false);
    if (!support.supported) expect(support.reason).toMatch(message);
    expect(() => body(flavor, api, SPECS[kind])).toThrow(message);
    expect(() => body(flavor, api, SPECS[kind])).toThrow(/Run it with the local model .*or set the constraint to None/);
  });

  it('every server × API × kind is covered, and nothing is sent for no constraint', () => {
    const flavors: ServerFlavor[] = ['vllm', 'llama.cpp', 'ollama', 'openai'];
    const covered = new Set([...SUPPORTED, ...REFUSED].map(([flavor, api, kind]) => `${flavor} ${api} ${kind}`));
    expect(covered.size).toBe(flavors.length * 2 * Object.keys(SPECS).length);
    for (const flavor of flavors) {
      for (const api of ['completions', 'chat'] as const) {
        expect(serverConstraintSupport(flavor, api, 'none')).toEqual({ supported: true, option: '' });
        expect(body(flavor, api, { kind: 'none', text: 'ignored' })).toEqual(body(flavor, api, null));
      }
    }
  });

  it('llama.cpp grammars come with a note on GBNF, and OpenAI JSON mode with its condition', () => {
    expect(serverConstraintSupport('llama.cpp', 'completions', 'grammar')).toMatchObject({ note: expect.stringMatching(/GBNF.*not the same as.*no '_'/) });
    expect(serverConstraintSupport('openai', 'chat', 'json')).toMatchObject({ note: expect.stringMatching(/"JSON" in a message/) });
  });

  it('the constrained tool replaces a conversation tool of the same name', () => {
    const request = buildRequest('vllm', 'chat', 'http://x/v1', 'm', {
      ...input('chat', SPECS.tool),
      conversation: { messages: [{ role: 'user', content: 'Hi' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: {} } }] },
    });
    expect(request.body.tools).toEqual([forcedCall(false).tools[1]]);
  });
});

describe('a choice list as a llama.cpp grammar', () => {
  it('escapes quotes, backslashes and control characters, and keeps other text as it is', () => {
    expect(choiceGrammar(['say "hi"', 'a\\b', 'tab\there', 'bell\x07', 'née →'])).toBe('root ::= "say \\"hi\\"" | "a\\\\b" | "tab\\there" | "bell\\x07" | "née →"');
  });
});

describe('invalid constraints are refused with what is wrong', () => {
  it.each([
    [{ kind: 'json-schema', text: '{"type": ' }, /The constraint is invalid: the JSON Schema is not valid JSON/],
    [{ kind: 'json-schema', text: '[1]' }, /must be a JSON object/],
    [{ kind: 'json-schema', text: '  ' }, /enter a JSON Schema/],
    [{ kind: 'regex', text: '' }, /enter a regular expression/],
    [{ kind: 'grammar', text: '\n' }, /enter a grammar/],
    [{ kind: 'choice', text: '\n \n' }, /enter at least one choice/],
    [{ kind: 'tool', text: '' }, /needs a tool name/],
    [{ kind: 'tool', text: '', tool: { name: 'f', parameters: [] as unknown as Record<string, unknown>, family: 'qwen' } }, /"f" needs a parameters schema/],
  ] satisfies [ConstraintSpec, RegExp][])('%o', (spec, message) => {
    expect(() => body('vllm', 'completions', spec)).toThrow(message);
  });
});

describe('the backend refuses before sending anything', () => {
  const fetchSpy = vi.spyOn(globalThis, 'fetch');
  afterEach(() => fetchSpy.mockClear());

  const connection = (flavor: ServerFlavor): ServerConnection => ({ baseUrl: 'http://127.0.0.1:9/v1', origin: 'http://127.0.0.1:9', flavor, models: [{ id: 'm', contextWindow: null }] });

  it('a kind the server cannot enforce', async () => {
    const backend = new ServerBackend(connection('ollama'), 'm', 'completions');
    const sequence = backend.openSequence({ useKvCache: true, constraint: SPECS.regex });
    await expect(sequence.next(backend.promptIds({ text: 'Hi', addSpecialTokens: true }))).rejects.toThrow(/Ollama cannot enforce a regular-expression constraint/);
    await sequence.dispose();
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('a constrained text continued after a token picked here (the server would start the constraint over)', async () => {
    const backend = new ServerBackend(connection('vllm'), 'm', 'completions');
    const sequence = backend.openSequence({ useKvCache: true, constraint: SPECS.choice });
    const prompt = backend.promptIds({ text: 'Hi', addSpecialTokens: true });
    await expect(sequence.next([...prompt, prompt[0]])).rejects.toThrow(/vLLM enforces a constraint from the start of the text it generates.*local model/);
    await sequence.dispose();
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe('vLLM before 0.10.2 takes guided_* fields', () => {
  it.each([
    ['0.9.2', true],
    ['0.10.1.1', true],
    ['v0.10.1', true],
    ['0.10.2', false],
    ['0.11.0', false],
    ['1.0.0', false],
    [undefined, false],
    ['main', false],
  ] as const)('version %s → guided %s', (version, guided) => {
    expect(vllmTakesGuidedFields(version)).toBe(guided);
  });

  it.each([
    ['json', { response_format: { type: 'json_object' } }],
    ['json-schema', { guided_json: SCHEMA }],
    ['regex', { guided_regex: '[0-9]{3}' }],
    ['grammar', { guided_grammar: 'root ::= "a" | "b"' }],
    ['choice', { guided_choice: ['yes', 'no'] }],
  ] as const)('%s', (kind, fields) => {
    const request = buildRequest('vllm', 'completions', 'http://x/v1', 'm', input('completions', SPECS[kind]), '0.9.2');
    expect(request.body).toMatchObject(fields);
    expect(request.body).not.toHaveProperty('structured_outputs');
    expect(serverConstraintSupport('vllm', 'completions', kind, '0.9.2')).toMatchObject({ supported: true, option: Object.keys(fields)[0] });
  });
});
