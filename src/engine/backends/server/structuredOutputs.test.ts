/**
 * Constraints enforced by the server, end to end: the server backend sends each kind in the server's own option to
 * the test server (e2e/support/openaiServer.ts, the real embedded model behind HTTP, enforcing them with XGrammar as
 * vLLM does), and what comes back is valid: one of the choices, a match of the pattern, a document of the schema, a
 * call of the tool. The log-probabilities stay the model's raw ones (the server's pick follows the constraint), and
 * an invalid constraint is the server's 400, in its words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIServer, type OpenAIServer } from '../../../../e2e/support/openaiServer';
import { reference, softmaxAt, type Reference } from '../../../../e2e/support/reference';
import type { ConstraintSpec } from '../../grammar/types';
import { DEFAULT_SAMPLING } from '../../sampling/types';
import { connectServer, openServerBackend } from './backend';
import type { ServerApi, ServerFlavor } from './types';

const PROMPT = 'The answer is';
const CHOICE: ConstraintSpec = { kind: 'choice', text: 'yes\nno\nmaybe later' };
const REGEX: ConstraintSpec = { kind: 'regex', text: '[0-9]{3}-[a-z]{2}' };
const GRAMMAR: ConstraintSpec = { kind: 'grammar', text: 'root ::= "(" item ("," item)* ")"\nitem ::= [a-c]' };
const SCHEMA = { type: 'object', properties: { ok: { type: 'boolean' }, level: { enum: ['low', 'high'] } }, required: ['ok', 'level'], additionalProperties: false };
const JSON_SCHEMA: ConstraintSpec = { kind: 'json-schema', text: JSON.stringify(SCHEMA) };
const PARAMETERS = { type: 'object', properties: { unit: { enum: ['celsius', 'fahrenheit'] } }, required: ['unit'], additionalProperties: false };
const TOOL: ConstraintSpec = { kind: 'tool', text: '', tool: { name: 'get_weather', parameters: PARAMETERS, family: 'qwen' } };

const servers = new Map<ServerFlavor, OpenAIServer>();
async function server(flavor: ServerFlavor): Promise<OpenAIServer> {
  const known = servers.get(flavor);
  if (known) return known;
  const started = await startOpenAIServer({ flavor });
  servers.set(flavor, started);
  return started;
}

let ref: Reference;
beforeAll(async () => {
  ref = await reference();
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
});

/** The text a server generates under `constraint` (greedy unless a seed is given), and how the stream ended. */
async function generate(flavor: ServerFlavor, api: ServerApi, constraint: ConstraintSpec, options: { maxNewTokens?: number; seed?: number } = {}) {
  const s = await server(flavor);
  const backend = await openServerBackend({ connection: await connectServer(s.url), modelId: s.modelId, api });
  const settings = options.seed === undefined ? { ...DEFAULT_SAMPLING, temperature: 0 } : { ...DEFAULT_SAMPLING, seed: options.seed };
  const sequence = backend.openSequence({ useKvCache: true, settings, maxNewTokens: options.maxNewTokens ?? 24, constraint });
  const conversation = { messages: [{ role: 'user' as const, content: 'Answer.' }], tools: [] };
  const context = backend.promptIds({ text: PROMPT, addSpecialTokens: true }, conversation);
  const steps = [];
  try {
    for (;;) {
      const answer = await sequence.next(context);
      if ('end' in answer) return { text: backend.tokenizer.decode(context.slice(1)), end: answer.end, steps, request: s.requests.at(-1)!, backend };
      if (answer.scores.vocabulary !== 'partial') throw new Error('expected a partial step');
      steps.push(answer.scores);
      context.push(answer.scores.chosenId!);
    }
  } finally {
    await sequence.dispose();
  }
}

describe('what the server generates under a constraint is valid', () => {
  it.each([
    ['vllm', 'completions'],
    ['vllm', 'chat'],
    ['llama.cpp', 'completions'],
    ['llama.cpp', 'chat'],
  ] as const)('%s, %s: a choice, a grammar', async (flavor, api) => {
    for (const seed of [1, 2, 3]) expect(['yes', 'no', 'maybe later']).toContain((await generate(flavor, api, CHOICE, { seed })).text);
    const grammar = await generate(flavor, api, GRAMMAR, { maxNewTokens: 40 });
    expect(grammar.end).toBe('eos');
    expect(grammar.text).toMatch(/^\([a-c](,[a-c])*\)$/);
  });

  it.each([
    ['vllm', 'completions'],
    ['vllm', 'chat'],
  ] as const)('%s, %s: a regular expression', async (flavor, api) => {
    for (const seed of [1, 2]) expect((await generate(flavor, api, REGEX, { seed })).text).toMatch(/^[0-9]{3}-[a-z]{2}$/);
  });

  it.each([
    ['vllm', 'completions'],
    ['vllm', 'chat'],
    ['llama.cpp', 'completions'],
    ['llama.cpp', 'chat'],
    ['ollama', 'completions'],
    ['ollama', 'chat'],
    ['openai', 'chat'],
  ] as const)('%s, %s: a JSON Schema document', async (flavor, api) => {
    const { text, end } = await generate(flavor, api, JSON_SCHEMA, { maxNewTokens: 40 });
    expect(end).toBe('eos');
    const document = JSON.parse(text) as { ok: unknown; level: unknown };
    expect(Object.keys(document).sort()).toEqual(['level', 'ok']);
    expect(typeof document.ok).toBe('boolean');
    expect(['low', 'high']).toContain(document.level);
  });

  it.each([
    ['vllm', 'completions'],
    ['llama.cpp', 'completions'],
    ['ollama', 'chat'],
  ] as const)('%s, %s: a tool call, as the call schema', async (flavor, api) => {
    const { text, end } = await generate(flavor, api, TOOL, { maxNewTokens: 80 });
    expect(end).toBe('eos');
    expect(JSON.parse(text)).toMatchObject({ name: 'get_weather', arguments: { unit: expect.stringMatching(/^(celsius|fahrenheit)$/) } });
  });

  it.each(['vllm', 'openai'] as const)('%s, chat: a forced tool call streams its arguments as tool_calls', async (flavor) => {
    const { text, request } = await generate(flavor, 'chat', TOOL, { maxNewTokens: 40 });
    expect(JSON.parse(text)).toEqual({ unit: expect.stringMatching(/^(celsius|fahrenheit)$/) });
    expect(request.body).toMatchObject({ tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    const answer = await fetch(`${(await server(flavor)).url}/chat/completions`, { method: 'POST', body: JSON.stringify({ ...(request.body as object), stream: false }) });
    const message = ((await answer.json()) as { choices: { message: { content: unknown; tool_calls: { function: { name: string; arguments: string } }[] } }[] }).choices[0].message;
    expect(message.content).toBeNull();
    expect(message.tool_calls[0].function).toEqual({ name: 'get_weather', arguments: text });
  });

  it('any JSON (vLLM json_object, Ollama "json"): a whole document', async () => {
    for (const flavor of ['vllm', 'ollama'] as const) {
      const { text, end } = await generate(flavor, 'completions', { kind: 'json', text: '' }, { maxNewTokens: 60 });
      expect(end).toBe('eos');
      expect(() => JSON.parse(text) as unknown).not.toThrow();
    }
  });
});

describe('the log-probabilities stay the model’s own', () => {
  it('llama.cpp: each step’s top 20 is the softmax of the raw logits, while the pick follows the constraint', async () => {
    const { text, steps, backend } = await generate('llama.cpp', 'completions', CHOICE);
    const modelId = (id: number) => backend.tokenizer.modelTokenId!(id)!;
    const picked: number[] = [];
    let favouriteRefused = false;
    for (const step of steps) {
      const expected = softmaxAt(await ref.nextLogits([...ref.encode(PROMPT), ...picked]), 1);
      for (const { id, logprob } of step.top) expect(Math.abs(Math.exp(logprob) - expected[modelId(id)])).toBeLessThan(1e-4);
      const chosen = modelId(step.chosenId!);
      if (chosen !== expected.indexOf(Math.max(...expected))) favouriteRefused = true;
      picked.push(chosen);
    }
    expect(['yes', 'no', 'maybe later']).toContain(text);
    // greedy, yet not the model's favourite: the constraint chose among the allowed tokens
    expect(favouriteRefused).toBe(true);
  });
});

describe('an invalid constraint is the server’s 400', () => {
  it.each([
    ['vllm', { kind: 'grammar', text: 'root ::= "a" |' } satisfies ConstraintSpec, /Invalid structured output \(grammar\): EBNF parser error/],
    ['vllm', { kind: 'regex', text: '[0-9' } satisfies ConstraintSpec, /Invalid structured output \(regex\)/],
    ['llama.cpp', { kind: 'json-schema', text: '{"type": "objec"}' } satisfies ConstraintSpec, /Invalid structured output \(json-schema\): Unsupported type "objec"/],
  ] as const)('%s: %o', async (flavor, constraint, message) => {
    await expect(generate(flavor, 'completions', constraint)).rejects.toThrow(message);
  });

  it('llama.cpp refuses a JSON Schema and a grammar together, as llama-server does', async () => {
    const s = await server('llama.cpp');
    const answer = await fetch(`${s.origin}/completion`, { method: 'POST', body: JSON.stringify({ prompt: PROMPT, n_predict: 2, json_schema: {}, grammar: 'root ::= "a"' }) });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: { message: 'Either "json_schema" or "grammar" can be specified, but not both' } });
  });
});

describe('a vLLM older than 0.10.2 (it ignores structured_outputs) gets its guided_* fields', () => {
  it('the version is read at connect; a choice, a regex and a schema are sent as guided_* and hold', async () => {
    const old = await startOpenAIServer({ flavor: 'vllm', vllmVersion: '0.9.2' });
    try {
      const connection = await connectServer(old.url);
      expect(connection.version).toBe('0.9.2');
      const run = async (api: ServerApi, constraint: ConstraintSpec, seed: number) => {
        const backend = await openServerBackend({ connection, modelId: old.modelId, api });
        expect(backend.info.server?.version).toBe('0.9.2');
        const sequence = backend.openSequence({ useKvCache: true, settings: { ...DEFAULT_SAMPLING, seed }, maxNewTokens: 40, constraint });
        const context = backend.promptIds({ text: PROMPT, addSpecialTokens: true }, { messages: [{ role: 'user', content: 'Answer.' }], tools: [] });
        try {
          for (;;) {
            const answer = await sequence.next(context);
            if ('end' in answer) return { text: backend.tokenizer.decode(context.slice(1)), body: old.requests.at(-1)!.body as Record<string, unknown> };
            if (answer.scores.vocabulary !== 'partial') throw new Error('expected a partial step');
            context.push(answer.scores.chosenId!);
          }
        } finally {
          await sequence.dispose();
        }
      };
      for (const seed of [1, 2]) {
        const choice = await run('completions', CHOICE, seed);
        expect(choice.body.guided_choice).toEqual(['yes', 'no', 'maybe later']);
        expect(choice.body.structured_outputs).toBeUndefined();
        expect(['yes', 'no', 'maybe later']).toContain(choice.text);
      }
      const regex = await run('chat', REGEX, 3);
      expect(regex.body.guided_regex).toBe(REGEX.text);
      expect(regex.text).toMatch(/^[0-9]{3}-[a-z]{2}$/);
      const schema = await run('completions', JSON_SCHEMA, 4);
      expect(schema.body.guided_json).toEqual(SCHEMA);
      expect(Object.keys(JSON.parse(schema.text) as object).sort()).toEqual(['level', 'ok']);
    } finally {
      await old.close();
    }
  });
});
