/**
 * Grammar-constrained generation with the real embedded model (onnxruntime-node) and XGrammar: whatever the draw,
 * the output is a valid document. Validity is checked with independent tools — JSON.parse and ajv for schemas, the
 * JavaScript RegExp engine for patterns, the Chat lab's parser for tool calls — never with the grammar engine itself.
 */
import { resolve } from 'node:path';
import { env } from '@huggingface/transformers';
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxBackend } from '../backends/onnx/backend';
import { loadCausalLM, type LoadedModel } from '../backends/onnx/loadModel';
import { parseToolCallText } from '../chat/toolCalls';
import { ConstraintCompiler } from '../grammar/compile';
import type { ConstraintSpec } from '../grammar/types';
import { grammarVocabularyOf } from '../grammar/vocabulary';
import { isTokenAllowed } from '../grammar/bitmask';
import { DEFAULT_SAMPLING } from '../sampling/types';
import { Generator } from './generator';
import { collect } from './testUtils';

const modelsDir = resolve(__dirname, '../../../public/models');

const PERSON_SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 12 }, age: { type: 'integer', minimum: 0, maximum: 120 }, ship: { enum: ['yes', 'no'] } },
  required: ['name', 'age', 'ship'],
};

let lm: LoadedModel;
let backend: OnnxBackend;
let compiler: ConstraintCompiler;

const compile = (spec: ConstraintSpec) => compiler.compile(spec);

async function run(spec: ConstraintSpec, seed: number, maxNewTokens = 64, prompt = 'The ship') {
  const generator = new Generator(backend);
  const constraint = await compile(spec);
  const result = await collect(
    generator.generate(lm.tokenizer.encode(prompt), { settings: { ...DEFAULT_SAMPLING, temperature: 1, seed }, maxNewTokens, constraint }),
  );
  return { ...result, generator, constraint };
}

describe('constrained generation with the embedded model', () => {
  beforeAll(async () => {
    env.allowRemoteModels = false;
    env.localModelPath = `${modelsDir}/`;
    lm = await loadCausalLM({ modelId: 'nexttoken-base', device: 'cpu' });
    backend = new OnnxBackend(lm);
    compiler = await ConstraintCompiler.create(grammarVocabularyOf(lm.tokenizer, lm.info.vocabSize, lm.info.eosTokenIds));
  });

  afterAll(async () => {
    compiler?.dispose();
    await lm?.dispose();
  });

  it('JSON Schema at temperature 1: every seed gives a document valid against the schema', async () => {
    const validate = new Ajv().compile(PERSON_SCHEMA);
    for (const seed of [1, 2, 3, 4, 5]) {
      const { summary, steps } = await run({ kind: 'json-schema', text: JSON.stringify(PERSON_SCHEMA) }, seed);
      expect(summary.reason, summary.text).toBe('eos');
      const doc: unknown = JSON.parse(summary.text);
      expect(validate(doc), `${summary.text}: ${JSON.stringify(validate.errors)}`).toBe(true);
      // every step was masked, and the token taken was allowed with a positive probability
      for (const step of steps) {
        expect(step.distribution.mask).not.toBeNull();
        expect(step.chosen.prob).toBeGreaterThan(0);
      }
    }
  });

  it('a regex, a choice list and an EBNF grammar hold for every seed', async () => {
    for (const seed of [1, 2, 3]) {
      const regex = await run({ kind: 'regex', text: '[A-Z][a-z]{2,8} (is|was) [0-9]{1,3}\\.' }, seed);
      expect(regex.summary.reason).toBe('eos');
      expect(regex.summary.text).toMatch(/^[A-Z][a-z]{2,8} (is|was) [0-9]{1,3}\.$/);
      const choice = await run({ kind: 'choice', text: 'positive\nnegative\nneutral' }, seed);
      expect(['positive', 'negative', 'neutral']).toContain(choice.summary.text);
      const grammar = await run({ kind: 'grammar', text: 'root ::= subject " " verb "."\nsubject ::= "The ship" | "The sea"\nverb ::= "sank" | "sailed"' }, seed);
      expect(grammar.summary.text).toMatch(/^The (ship|sea) (sank|sailed)\.$/);
    }
  });

  it('a tool call comes out in the family’s format and parses back into the tool and its arguments', async () => {
    const parameters = { type: 'object', properties: { city: { type: 'string', maxLength: 16 }, unit: { enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'] };
    const validate = new Ajv().compile(parameters);
    for (const family of ['qwen', 'llama3'] as const) {
      const { summary } = await run({ kind: 'tool', text: '', tool: { name: 'get_weather', parameters, family } }, 7, 200);
      expect(summary.reason, summary.text).toBe('eos');
      const call = parseToolCallText(family, summary.text, ['get_weather']);
      expect('name' in call && call.name, summary.text).toBe('get_weather');
      if ('arguments' in call) expect(validate(call.arguments)).toBe(true);
    }
  });

  it('stops with a reason when the document cannot complete within max new tokens', async () => {
    const { summary } = await run({ kind: 'json-schema', text: JSON.stringify(PERSON_SCHEMA) }, 1, 4);
    expect(summary.reason).toBe('constraint-incomplete');
    expect(summary.message).toMatch(/could not complete within 4 new tokens/);
    expect(summary.tokenIds).toHaveLength(4);
  });

  it('stops with a reason when the grammar allows no token at all', async () => {
    const words = new Int32Array(Math.ceil(lm.info.vocabSize / 32));
    const nothingAllowed = { createMatcher: async () => ({ nextBitmask: async () => words, accept: () => false, isTerminated: () => false, dispose: () => undefined }) };
    const { summary, steps } = await collect(
      new Generator(backend).generate(lm.tokenizer.encode('The ship'), { settings: DEFAULT_SAMPLING, maxNewTokens: 8, constraint: nothingAllowed }),
    );
    expect(summary.reason).toBe('constraint-dead-end');
    expect(summary.message).toMatch(/No token of the vocabulary can continue/);
    expect(steps).toHaveLength(0);
  });

  it('re-masks a kept step with another constraint, and refuses one the earlier tokens break', async () => {
    const { summary, generator } = await run({ kind: 'choice', text: 'positive\nnegative' }, 3);
    const settings = { ...DEFAULT_SAMPLING, temperature: 1, seed: 3 };
    // step 0 under a different constraint: only tokens that start "yes" or "no" are allowed
    const other = await compile({ kind: 'choice', text: 'yes\nno' });
    const step0 = await generator.resample(summary.branchId, 0, settings, other);
    expect(step0.distribution.mask).not.toBeNull();
    for (const c of step0.distribution.candidates) {
      const text = lm.tokenizer.decode([c.id]);
      const allowed = text.length > 0 && ['yes', 'no'].some((w) => w.startsWith(text));
      expect(c.removedBy === 'grammar', `${JSON.stringify(text)}`).toBe(!allowed);
    }
    // unconstrained again: no mask
    expect((await generator.resample(summary.branchId, 0, settings)).distribution.mask).toBeNull();
    // at step 1 the text so far ("pos…"/"neg…") breaks "yes|no": said, not masked wrongly
    if (summary.tokenIds.length > 1) await expect(generator.resample(summary.branchId, 1, settings, other)).rejects.toThrow(/does not allow the generated text/);
  });

  it('refuses to branch onto a token the grammar forbids, and continues from an allowed one', async () => {
    const { summary, generator, constraint } = await run({ kind: 'choice', text: 'positive\nnegative\nneutral' }, 2);
    const matcher = await constraint.createMatcher();
    const mask = await matcher.nextBitmask();
    matcher.dispose();
    const forbidden = lm.tokenizer.encode(' banana', { add_special_tokens: false })[0];
    expect(isTokenAllowed(mask, forbidden)).toBe(false);
    const settings = { ...DEFAULT_SAMPLING, temperature: 1, seed: 2 };
    await expect(collect(generator.continueFrom(summary.branchId, 0, forbidden, { settings, maxNewTokens: 10, constraint }))).rejects.toThrow(/forbids/);
    const neg = lm.tokenizer.encode('neg', { add_special_tokens: false })[0];
    if (isTokenAllowed(mask, neg)) {
      const branch = await collect(generator.continueFrom(summary.branchId, 0, neg, { settings, maxNewTokens: 10, constraint }));
      expect(['negative']).toContain(branch.summary.text);
    }
  });
});
