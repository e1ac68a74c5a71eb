/**
 * Analysis with a server (prompt log-probabilities) against the test server running the real embedded model
 * (e2e/support/openaiServer.ts) and the independent reference (e2e/support/reference.ts): each token's probability
 * equals the model's softmax within 1e-4, ranks are exact (vLLM) or exact within the top N and N + 1 beyond (OpenAI's
 * echo), and servers that cannot score a text refuse with a message naming those that can.
 */
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIServer, type OpenAIServer, type ServerFlavor } from '../../../../e2e/support/openaiServer';
import { EMBEDDED_MODEL, reference, softmaxAt, type Reference } from '../../../../e2e/support/reference';
import { analysePrompt } from '../../analyse/analyse';
import { TOP_ALTERNATIVES } from '../../analyse/types';
import { textsIn } from '../../analyse/tokenTexts';
import { handleAnalyseRequest } from '../../analyse/workerHandler';
import { connectServer, openServerBackend, type ServerBackend } from './backend';
import type { ServerApi } from './types';

const TEXT = 'Once upon a time, the zebra computed quantum soup.';

const servers: OpenAIServer[] = [];
async function backendFor(flavor: ServerFlavor, api: ServerApi = 'completions'): Promise<ServerBackend> {
  const s = await startOpenAIServer({ flavor });
  servers.push(s);
  return openServerBackend({ connection: await connectServer(s.url), modelId: s.modelId, api });
}

let ref: Reference;
let tokenizer: PreTrainedTokenizer;
/** per text token: the model's distribution at its position (after BOS + the tokens before it) */
let expected: { id: number; probs: Float64Array; rank: number }[];
beforeAll(async () => {
  ref = await reference();
  tokenizer = await AutoTokenizer.from_pretrained(EMBEDDED_MODEL);
  const ids = ref.encode(TEXT);
  expected = [];
  for (let i = 1; i < ids.length; i++) {
    const probs = softmaxAt(await ref.nextLogits(ids.slice(0, i)), 1);
    expected.push({ id: ids[i], probs, rank: 1 + probs.filter((p) => p > probs[ids[i]]).length });
  }
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const topOf = (probs: Float64Array, k: number) => [...probs.keys()].sort((a, b) => probs[b] - probs[a]).slice(0, k);

describe('analysis from prompt log-probabilities', () => {
  it("vLLM: every token's probability is the model's softmax within 1e-4, ranks exact, the top alternatives the model's", async () => {
    const backend = await backendFor('vllm');
    const result = await analysePrompt(backend, TEXT);
    const T = expected.length;
    expect(result.ids.length).toBe(T);
    expect(result.texts.joined).toBe(TEXT);
    expect(textsIn(result.texts)).toEqual(expected.map((e) => tokenizer.decode([e.id])));
    expect(result.partial).toEqual({ topN: 20, rankBeyond: null, prefixed: true });
    expect(result.plan).toMatchObject({ tokens: T, windows: 1 });
    expect(result.bytes).toBe(new TextEncoder().encode(TEXT).length);
    for (let k = 0; k < T; k++) {
      const e = expected[k];
      expect(backend.tokenizer.modelTokenId!(result.ids[k])).toBe(e.id);
      expect(Math.abs(result.prob[k] - e.probs[e.id])).toBeLessThan(1e-4);
      expect(result.surprisal[k]).toBeCloseTo(-Math.log2(e.probs[e.id]), 3);
      expect(result.rank[k]).toBe(e.rank);
      expect(result.entropy[k]).toBeNaN();
      expect(result.contextTokens[k]).toBe(k + 1);
      expect(result.window[k]).toBe(0);
      const top = topOf(e.probs, TOP_ALTERNATIVES);
      for (let j = 0; j < TOP_ALTERNATIVES; j++) {
        const id = result.topIds[k * TOP_ALTERNATIVES + j];
        expect(backend.tokenizer.modelTokenId!(id)).toBe(top[j]);
        expect(Math.abs(result.topProbs[k * TOP_ALTERNATIVES + j] - e.probs[top[j]])).toBeLessThan(1e-4);
        expect(result.altTexts[id]).toBe(tokenizer.decode([top[j]]));
      }
    }
    expect(expected.some((e) => e.rank > 20)).toBe(true);
  });

  it('OpenAI-compatible echo (top 5, no ranks sent): ranks exact within the top 5, 6 = "beyond 5" past them', async () => {
    const backend = await backendFor('openai');
    const result = await analysePrompt(backend, TEXT);
    expect(result.partial).toEqual({ topN: 5, rankBeyond: 6, prefixed: true });
    expect(result.texts.joined).toBe(TEXT);
    expected.forEach((e, k) => {
      expect(Math.abs(result.prob[k] - e.probs[e.id])).toBeLessThan(1e-4);
      expect(result.rank[k]).toBe(e.rank <= 5 ? e.rank : 6);
      const top = topOf(e.probs, TOP_ALTERNATIVES).map((id) => tokenizer.decode([id]));
      expect(Array.from(result.topIds.slice(k * TOP_ALTERNATIVES, (k + 1) * TOP_ALTERNATIVES), (id) => result.altTexts[id])).toEqual(top);
    });
    expect(expected.some((e) => e.rank <= 5) && expected.some((e) => e.rank > 5)).toBe(true);
  });

  it('the worker handler answers the analysis for a server that scores, in one window', async () => {
    const backend = await backendFor('vllm', 'chat');
    const answer = await handleAnalyseRequest({ type: 'analyse-text', text: TEXT, maxWindows: 1 }, backend, { signal: new AbortController().signal, emit: () => undefined });
    expect(answer.type).toBe('analysis-done');
    if (answer.type === 'analysis-done') expect(Array.from(answer.result.rank)).toEqual(expected.map((e) => e.rank));
  });

  it.each([
    ['llama.cpp', 'completions', /llama\.cpp's server returns log-probabilities only for the tokens it generates/],
    ['ollama', 'completions', /Ollama returns log-probabilities only for the tokens it generates/],
    ['openai', 'chat', /with the chat API/],
  ] as const)('%s (%s) cannot score a text: the message names the servers that can', async (flavor, api, why) => {
    const backend = await backendFor(flavor, api);
    expect(backend.scorePrompt).toBeUndefined();
    const refused = handleAnalyseRequest({ type: 'analyse-text', text: TEXT, maxWindows: 1 }, backend, { signal: new AbortController().signal, emit: () => undefined });
    await expect(refused).rejects.toThrow(why);
    await expect(refused).rejects.toThrow(/Servers that can: vLLM .*prompt_logprobs.*completions API that echoes the prompt with logprobs/);
  });
});
