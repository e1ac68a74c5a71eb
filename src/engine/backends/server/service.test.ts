/**
 * The worker's side of the protocol with a server (the handlers the worker routes `connect-server`, `use-server`,
 * `generate` and `analyse-text` to), against the test server running the real model. Its own file: the service
 * points Transformers.js at the app's paths, which the test server's model must not share.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIServer, type OpenAIServer } from '../../../../e2e/support/openaiServer';
import { handleAnalyseRequest } from '../../analyse/workerHandler';
import { textsIn } from '../../analyse/tokenTexts';
import type { HandlerContext } from '../../handlers';
import { InferenceService } from '../../inferenceService';
import type { EngineEvent } from '../../protocol';
import { DEFAULT_SAMPLING } from '../../sampling/types';

let server: OpenAIServer;
let service: InferenceService;
const events: EngineEvent[] = [];
const ctx = (): HandlerContext => ({ signal: new AbortController().signal, emit: (e) => events.push(e) });

beforeAll(async () => {
  server = await startOpenAIServer({ flavor: 'vllm', apiKey: 'sk-service-test' });
  service = new InferenceService();
});
afterAll(() => server.close());

describe('the worker with a server backend', () => {
  it('connect-server lists the models; use-server makes one current, with what the UI shows about it', async () => {
    expect(await service.connectServer({ type: 'connect-server', baseUrl: `${server.url}/`, apiKey: 'sk-service-test' }, ctx())).toEqual({
      type: 'server-models',
      baseUrl: server.url,
      origin: server.origin,
      flavor: 'vllm',
      models: [{ id: server.modelId, contextWindow: 256 }],
    });
    const ready = await service.useServer({ type: 'use-server', baseUrl: server.url, apiKey: 'sk-service-test', modelId: server.modelId, api: 'chat' }, ctx());
    expect(ready).toMatchObject({ type: 'model-ready', backend: 'server', threads: 0, info: { device: 'server', modelId: server.modelId, contextWindow: 256 } });
    expect(ready.backendReason).toContain(server.origin);
    expect(ready.info.server).toMatchObject({ origin: server.origin, api: 'chat', flavor: 'vllm', modelTokenIds: 'none', topLogprobs: 20, contextWindow: 256, unsupportedSettings: [] });
    expect(ready.info.server?.distributionNote).toMatch(/raw log-probabilities/);
  });

  it('generate sends the conversation through chat completions and streams its steps', async () => {
    events.length = 0;
    const messages = { messages: [{ role: 'user' as const, content: 'Say hello.' }], tools: [] };
    const done = await service.generate(
      { type: 'generate', prompt: { text: 'ignored with messages', addSpecialTokens: true }, messages, settings: { ...DEFAULT_SAMPLING, temperature: 0 }, maxNewTokens: 3, useKvCache: true },
      ctx(),
    );
    expect(events[0]).toMatchObject({ type: 'run-started', prompt: { texts: ['user: Say hello.'] } });
    expect(events.filter((e) => e.type === 'step')).toHaveLength(done.summary.tokenIds.length);
    expect(server.requests.at(-1)).toMatchObject({ path: '/v1/chat/completions', authorization: 'Bearer sk-service-test', body: { messages: messages.messages } });
  });

  it('a failed use-server keeps the current backend', async () => {
    await expect(service.useServer({ type: 'use-server', baseUrl: server.url, apiKey: 'sk-service-test', modelId: 'missing', api: 'chat' }, ctx())).rejects.toThrow(/does not know the model "missing"/);
    expect(service.backend?.info.modelId).toBe(server.modelId);
  });

  it('analysis with vLLM scores the text as one prompt (echo, prompt_logprobs), with the key', async () => {
    const answer = await handleAnalyseRequest({ type: 'analyse-text', text: 'Some text.', maxWindows: 4 }, service.backend, ctx());
    expect(answer).toMatchObject({ type: 'analysis-done', result: { partial: { topN: 20, rankBeyond: null, prefixed: true } } });
    expect(answer.type === 'analysis-done' && textsIn(answer.result.texts)).toEqual(['Some', ' text', '.']);
    expect(server.requests.at(-1)).toMatchObject({
      path: '/v1/completions',
      authorization: 'Bearer sk-service-test',
      body: { prompt: 'Some text.', max_tokens: 0, echo: true, logprobs: 20, prompt_logprobs: 20, stream: false },
    });
  });
});
