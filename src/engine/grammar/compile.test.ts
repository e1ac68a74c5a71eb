/**
 * Constrained decoding on the embedded model's real vocabulary (public/models/nexttoken-base: byte-level BPE, 8,192
 * tokens, id 0 = <|endoftext|> = EOS). The engine's masks are checked against an independent oracle: each constraint's
 * finite language is enumerated here from the schema / pattern / list itself, each token's bytes are decoded here from
 * the GPT-2 byte-level spelling, and a token is allowed iff prefix + its bytes is still a prefix of some document (EOS
 * iff the prefix is a whole document).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAMILIES } from '../chat/catalog';
import { formatToolCall } from '../chat/toolCalls';
import { countAllowed, isTokenAllowed } from './bitmask';
import { ConstraintCompiler, ConstraintError, type CompiledConstraint } from './compile';
import type { ConstraintProblem, ConstraintSpec } from './types';
import { grammarVocabularyOf, type TokenizerJson } from './vocabulary';

const modelDir = resolve(__dirname, '../../../public/models/nexttoken-base');
const tokenizerJson = JSON.parse(readFileSync(`${modelDir}/tokenizer.json`, 'utf8')) as TokenizerJson & { model: { vocab: Record<string, number> } };
const VOCAB_SIZE = 8192;
const EOS = 0;

/** GPT-2's bytes ↔ unicode table, inverted: the byte each character of a byte-level token stands for. */
function byteLevelDecoder(): Map<string, number> {
  const printable = [...range(0x21, 0x7e), ...range(0xa1, 0xac), ...range(0xae, 0xff)];
  const decoder = new Map<string, number>();
  for (const b of printable) decoder.set(String.fromCharCode(b), b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (!printable.includes(b)) decoder.set(String.fromCharCode(256 + n++), b);
  return decoder;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** id → the token's bytes as a binary string (one char per byte); null for special tokens */
const tokenBytes: (string | null)[] = (() => {
  const decoder = byteLevelDecoder();
  const out = new Array<string | null>(VOCAB_SIZE).fill(null);
  for (const [token, id] of Object.entries(tokenizerJson.model.vocab)) out[id] = Array.from(token, (c) => String.fromCharCode(decoder.get(c)!)).join('');
  for (const added of tokenizerJson.added_tokens ?? []) if (added.special) out[added.id] = null;
  return out;
})();

const binary = (text: string) => String.fromCharCode(...new TextEncoder().encode(text));

/** The oracle: the allowed ids after `prefix` (binary string) for the finite language `documents`. */
function expectedAllowed(documents: Set<string>, prefixes: Set<string>, prefix: string): Set<number> {
  const allowed = new Set<number>();
  for (let id = 0; id < VOCAB_SIZE; id++) {
    const bytes = tokenBytes[id];
    if (bytes && prefixes.has(prefix + bytes)) allowed.add(id);
  }
  if (documents.has(prefix)) allowed.add(EOS);
  return allowed;
}

function allowedIds(bitmask: Int32Array): Set<number> {
  const ids = new Set<number>();
  for (let id = 0; id < VOCAB_SIZE; id++) if (isTokenAllowed(bitmask, id)) ids.add(id);
  return ids;
}

/** mulberry32: a seeded generator, so a failing walk can be replayed */
function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random walks through the constraint: at every step the engine's mask must equal the oracle's set; the next token is
 * drawn from that set (EOS only once the prefix is complete, then the walk must terminate).
 */
async function checkWalks(compiled: CompiledConstraint, language: string[], walks: number, seed: number): Promise<number> {
  const documents = new Set(language.map(binary));
  const prefixes = new Set<string>();
  for (const d of documents) for (let i = 1; i <= d.length; i++) prefixes.add(d.slice(0, i));
  const random = seededRandom(seed);
  let steps = 0;
  for (let w = 0; w < walks; w++) {
    const matcher = await compiled.createMatcher();
    let prefix = '';
    for (;;) {
      const expected = expectedAllowed(documents, prefixes, prefix);
      const mask = await matcher.nextBitmask();
      expect(mask.length).toBe(Math.ceil(VOCAB_SIZE / 32));
      const actual = allowedIds(mask);
      if (actual.size !== expected.size || [...expected].some((id) => !actual.has(id))) {
        const show = (ids: Iterable<number>) => [...ids].slice(0, 12).map((id) => `${id}:${JSON.stringify(tokenBytes[id])}`);
        throw new Error(`after ${JSON.stringify(prefix)}: missing ${show([...expected].filter((id) => !actual.has(id)))}, extra ${show([...actual].filter((id) => !expected.has(id)))}`);
      }
      expect(countAllowed(mask, VOCAB_SIZE)).toBe(expected.size);
      steps++;
      const choices = [...expected];
      // prefer to go on half the time when both ending and going on are possible
      const id = expected.has(EOS) && (choices.length === 1 || random() < 0.5) ? EOS : choices.filter((c) => c !== EOS)[Math.floor(random() * (choices.length - (expected.has(EOS) ? 1 : 0)))];
      expect(matcher.accept(id)).toBe(true);
      if (id === EOS) break;
      prefix += tokenBytes[id];
    }
    expect(matcher.isTerminated()).toBe(true);
    expect(documents.has(prefix)).toBe(true);
    matcher.dispose();
  }
  return steps;
}

let compiler: ConstraintCompiler;
let tokenizer: PreTrainedTokenizer;

beforeAll(async () => {
  env.allowRemoteModels = false;
  env.localModelPath = `${resolve(modelDir, '..')}/`;
  tokenizer = await AutoTokenizer.from_pretrained('nexttoken-base');
  compiler = await ConstraintCompiler.create(grammarVocabularyOf(tokenizer, VOCAB_SIZE, [EOS]));
});

afterAll(() => compiler?.dispose());

const encode = (text: string) => tokenizer.encode(text, { add_special_tokens: false });

async function problemOf(spec: ConstraintSpec): Promise<ConstraintProblem> {
  const error = await compiler.compile(spec).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConstraintError);
  return (error as ConstraintError).problem;
}

/** Feeds the tokens of `text` (the model's own tokenization); where the mask refuses one, says which. */
async function walk(compiled: CompiledConstraint, text: string): Promise<{ rejectedAt: number | null; eosAllowed: boolean }> {
  const matcher = await compiled.createMatcher();
  const ids = encode(text);
  try {
    for (const [i, id] of ids.entries()) {
      if (!isTokenAllowed(await matcher.nextBitmask(), id)) return { rejectedAt: i, eosAllowed: false };
      expect(matcher.accept(id)).toBe(true);
    }
    const eosAllowed = isTokenAllowed(await matcher.nextBitmask(), EOS);
    if (eosAllowed) {
      expect(matcher.accept(EOS)).toBe(true);
      expect(matcher.isTerminated()).toBe(true);
    }
    return { rejectedAt: null, eosAllowed };
  } finally {
    matcher.dispose();
  }
}

describe('masks equal an independent oracle on finite languages', () => {
  it('a JSON Schema: an object with a required enum, a small integer range and a boolean', async () => {
    const schema = {
      type: 'object',
      properties: { answer: { enum: ['yes', 'no', 'maybe'] }, confidence: { type: 'integer', minimum: 0, maximum: 10 }, urgent: { type: 'boolean' } },
      required: ['answer', 'confidence', 'urgent'],
    };
    const language: string[] = [];
    for (const answer of ['yes', 'no', 'maybe']) for (let c = 0; c <= 10; c++) for (const urgent of ['true', 'false']) language.push(`{"answer": "${answer}", "confidence": ${c}, "urgent": ${urgent}}`);
    const compiled = await compiler.compile({ kind: 'json-schema', text: JSON.stringify(schema, null, 2) });
    expect(compiled.info).toMatchObject({ kind: 'json-schema', description: 'JSON Schema, 3 properties', enforcedBy: 'page' });
    expect(await checkWalks(compiled, language, 12, 1)).toBeGreaterThan(12);
  });

  it('a regex: (yes|no|maybe) and [0-9]{1,3}-[ab]', async () => {
    await checkWalks(await compiler.compile({ kind: 'regex', text: '(yes|no|maybe)' }), ['yes', 'no', 'maybe'], 6, 2);
    const language: string[] = [];
    for (let n = 0; n < 1000; n++) for (const digits of new Set([String(n), String(n).padStart(2, '0'), String(n).padStart(3, '0')])) for (const s of ['a', 'b']) language.push(`${digits}-${s}`);
    await checkWalks(await compiler.compile({ kind: 'regex', text: '[0-9]{1,3}-[ab]' }), language, 12, 3);
  });

  it('a choice list, with quotes, a backslash, a leading space and non-ASCII text', async () => {
    const choices = ['red', 'green', 'greenish blue', 'say "hi"', 'back\\slash', 'tab\there', ' leading space', 'Zürich — 東京'];
    const compiled = await compiler.compile({ kind: 'choice', text: `${choices.join('\n')}\n\n   \nred\r\n` });
    expect(compiled.info.description).toBe('one of 8 choices');
    await checkWalks(compiled, choices, 20, 4);
  });

  it.each(FAMILIES.map((f) => f.id))('a tool call in the %s format', async (family) => {
    const tool = { name: 'set_unit', parameters: { type: 'object', properties: { unit: { enum: ['celsius', 'fahrenheit'] } }, required: ['unit'] }, family };
    const compiled = await compiler.compile({ kind: 'tool', text: '', tool });
    const language = ['celsius', 'fahrenheit'].map((unit) => formatToolCall(family, 'set_unit', { unit }));
    await checkWalks(compiled, language, 2, 5);
  });
});

describe('walking real documents token by token', () => {
  it('builtin JSON: every token of a valid document is allowed, then EOS', async () => {
    const json = await compiler.compile({ kind: 'json', text: '' });
    const doc = '{"name": "NextToken", "tokens": [1, 2, 3], "ok": true, "nested": {"x": null, "y": -1.5e3, "s": "a\\"b\\u00e9"}}';
    expect(await walk(json, doc)).toEqual({ rejectedAt: null, eosAllowed: true });
    expect(await walk(json, '{"a": 1')).toEqual({ rejectedAt: null, eosAllowed: false });
    expect((await walk(json, '{"a": 1}}')).rejectedAt).not.toBeNull();
  });

  it.each(FAMILIES.map((f) => f.id))('a tool constraint accepts exactly the %s call text', async (family) => {
    const parameters = { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] };
    const compiled = await compiler.compile({ kind: 'tool', text: '', tool: { name: 'get_weather', parameters, family } });
    expect(compiled.info.description).toContain('get_weather');
    expect(await walk(compiled, formatToolCall(family, 'get_weather', { city: 'Paris', days: 3 }))).toEqual({ rejectedAt: null, eosAllowed: true });
    expect((await walk(compiled, formatToolCall(family, 'get_weather', { days: 3, city: 'Paris' }))).rejectedAt).not.toBeNull();
    expect((await walk(compiled, formatToolCall(family, 'get_weather', { city: 'Paris', days: 3 }).replace('": ', '":'))).rejectedAt).not.toBeNull();
    if (family !== 'o200k_base') expect((await walk(compiled, formatToolCall(family, 'get_time', { city: 'Paris', days: 3 }))).rejectedAt).not.toBeNull();
  });

  it('an EBNF grammar', async () => {
    const compiled = await compiler.compile({ kind: 'grammar', text: 'root ::= greeting " " name\ngreeting ::= "Hello" | "Hi"\nname ::= [A-Z] [a-z]+' });
    expect(compiled.info.description).toBe('EBNF grammar, 3 rules');
    expect(await walk(compiled, 'Hello World')).toEqual({ rejectedAt: null, eosAllowed: true });
    expect((await walk(compiled, 'Hey you')).rejectedAt).not.toBeNull();
  });
});

describe('invalid constraints say what and where', () => {
  it('a JSON syntax error in the schema: line and column', async () => {
    const text = '{\n  "type": "object",\n  "properties": {,}\n}';
    const problem = await problemOf({ kind: 'json-schema', text });
    expect(problem).toMatchObject({ line: 3, column: 18, offset: text.indexOf(',}') });
    expect(problem.message).toMatch(/^The schema is not valid JSON/);
  });

  it('a schema XGrammar rejects: its message, without the C++ source path', async () => {
    const problem = await problemOf({ kind: 'json-schema', text: '{"type": "foo"}' });
    expect(problem.message).toBe('Invalid JSON Schema: Unsupported type "foo"');
    const range = await problemOf({ kind: 'json-schema', text: '{"type": "integer", "minimum": 5, "maximum": 1}' });
    expect(range.message).toBe('Invalid JSON Schema: Invalid range: minimum greater than maximum');
  });

  it('a bad regex: the position in the pattern', async () => {
    expect(await problemOf({ kind: 'regex', text: 'ab)' })).toEqual({ message: "Invalid regular expression at position 3: Unmatched ')'", line: 1, column: 3, offset: 2 });
    expect(await problemOf({ kind: 'regex', text: 'ab[c' })).toMatchObject({ message: expect.stringContaining("Unclosed '['"), column: 5 });
    expect((await problemOf({ kind: 'regex', text: '*a' })).message).toMatch(/^Invalid regular expression: /);
  });

  it('a bad EBNF grammar: line and column', async () => {
    expect(await problemOf({ kind: 'grammar', text: 'root ::= "a" x\nx ::= ' })).toEqual({ message: 'Grammar error at line 2, column 7: Expect element, but got', line: 2, column: 7 });
    expect((await problemOf({ kind: 'grammar', text: 'start ::= "a"' })).message).toContain('root');
  });

  it('missing input', async () => {
    expect((await problemOf({ kind: 'regex', text: '  ' })).message).toBe('Enter a regular expression.');
    expect((await problemOf({ kind: 'choice', text: '\n \n' })).message).toMatch(/at least one choice/);
    expect((await problemOf({ kind: 'tool', text: '', tool: { name: 'f', family: 'qwen' } as never })).message).toMatch(/parameters schema/);
    expect((await problemOf({ kind: 'json-schema', text: '[1]' })).message).toMatch(/JSON object/);
  });

  it('the engine keeps working after an error, and the cache returns the same compiled constraint', async () => {
    await problemOf({ kind: 'grammar', text: 'root ::= ' });
    const spec: ConstraintSpec = { kind: 'regex', text: '(yes|no)' };
    const first = await compiler.compile(spec);
    expect(await compiler.compile({ ...spec })).toBe(first);
    expect((await walk(first, 'yes')).eosAllowed).toBe(true);
  });
});
