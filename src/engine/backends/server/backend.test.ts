/**
 * The server backend against a real HTTP server running the real embedded model (e2e/support/openaiServer.ts), and
 * an independent reference (the same model, float64 softmax, e2e/support/reference.ts): what the loop shows equals
 * the model's own distribution; branching, Stop and "run N times" reach the server as they should; every fault a
 * user can meet ends in its message, and the API key goes nowhere but the Authorization header.
 */
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIServer, type OpenAIServer, type ServerFault, type ServerFlavor } from '../../../../e2e/support/openaiServer';
import { EMBEDDED_MODEL, reference, softmaxAt, type Reference } from '../../../../e2e/support/reference';
import { Generator } from '../../generation/generator';
import { collect } from '../../generation/testUtils';
import { DEFAULT_SAMPLING, type SamplingSettings } from '../../sampling/types';
import type { SequenceEnd, SequenceStep } from '../types';
import { ServerBackend, connectServer, openServerBackend } from './backend';
import { networkFailureMessage, retryAfterSeconds } from './http';
import type { ServerApi } from './types';
import { parseChatChunk, parseCompletionChunk, parseLlamaCppChunk, parseOllamaChunk, type WireChunk } from './wire';

const PROMPT = 'Once upon a time';
const settings = (s: Partial<SamplingSettings> = {}): SamplingSettings => ({ ...DEFAULT_SAMPLING, ...s });

const servers: OpenAIServer[] = [];
async function server(flavor: ServerFlavor, options: { apiKey?: string } = {}): Promise<OpenAIServer> {
  const s = await startOpenAIServer({ flavor, ...options });
  servers.push(s);
  return s;
}

async function backendFor(s: OpenAIServer, api: ServerApi = 'completions', apiKey?: string): Promise<ServerBackend> {
  return openServerBackend({ connection: await connectServer(s.url, apiKey), modelId: s.modelId, api });
}

const isStep = (x: SequenceStep | SequenceEnd): x is SequenceStep => !('end' in x);

let ref: Reference & { decode(id: number): string };
beforeAll(async () => {
  const model = await reference();
  const tokenizer: PreTrainedTokenizer = await AutoTokenizer.from_pretrained(EMBEDDED_MODEL);
  ref = { ...model, decode: (id) => tokenizer.decode([id]) };
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('connecting', () => {
  it("lists the models, with vLLM's context window, and recognises each server", async () => {
    const vllm = await server('vllm');
    expect(await connectServer(vllm.url)).toMatchObject({ flavor: 'vllm', origin: vllm.origin, baseUrl: vllm.url, models: [{ id: vllm.modelId, contextWindow: 256 }] });
    const others = await Promise.all((['llama.cpp', 'ollama', 'openai'] as const).map(async (flavor) => (await connectServer((await server(flavor)).url)).flavor));
    expect(others).toEqual(['llama.cpp', 'ollama', 'openai']);
  });

  it('finds the list under /v1 when the address was given without it', async () => {
    const vllm = await server('vllm');
    expect((await connectServer(vllm.origin)).baseUrl).toBe(vllm.url);
  });
});

describe('what the loop shows is the model’s own distribution', () => {
  it('each streamed step (temperature 1, no filters) equals the softmax of the model’s logits within 1e-4, and the rest mass is 1 − Σp', async () => {
    const s = await server('llama.cpp');
    const backend = await backendFor(s);
    expect(backend.info.server).toMatchObject({ flavor: 'llama.cpp', modelTokenIds: 'model', distribution: 'model', topLogprobs: 20 });
    const promptIds = ref.encode(PROMPT);
    const sequence = backend.openSequence({ useKvCache: true, settings: settings({ seed: 7 }), maxNewTokens: 4 });
    const context = backend.promptIds({ text: PROMPT, addSpecialTokens: true });
    const modelIds: number[] = [];
    for (let step = 0; step < 4; step++) {
      const answer = await sequence.next(context);
      if (!isStep(answer) || answer.scores.vocabulary !== 'partial') throw new Error('expected a partial step');
      const { top, otherMass, chosenId } = answer.scores;
      const expected = softmaxAt(await ref.nextLogits([...promptIds, ...modelIds]), 1);
      // the top 20, and the server's pick when it sampled a token outside them
      expect(top.length - 20).toBeOneOf([0, 1]);
      let known = 0;
      for (const { id, logprob } of top) {
        const modelId = backend.tokenizer.modelTokenId!(id)!;
        expect(Math.abs(Math.exp(logprob) - expected[modelId])).toBeLessThan(1e-4);
        known += expected[modelId];
      }
      expect(otherMass).toBeCloseTo(1 - top.reduce((sum, t) => sum + Math.exp(t.logprob), 0), 12);
      expect(Math.abs(otherMass - (1 - known))).toBeLessThan(1e-4);
      context.push(chosenId!);
      modelIds.push(backend.tokenizer.modelTokenId!(chosenId!)!);
    }
    await sequence.dispose();
    // one request served all four steps, with the user's settings and the prompt as text
    const generations = s.requests.filter((r) => r.path === '/completion');
    expect(generations).toHaveLength(2); // the check when the backend was opened, and this one
    expect(generations[1].body).toMatchObject({ prompt: PROMPT, n_predict: 4, temperature: 1, top_k: 0, top_p: 1, min_p: 0, repeat_penalty: 1, seed: 7, n_probs: 20, post_sampling_probs: false, stream: true });
  });

  it('through the Generator: the steps, their candidates (texts from the wire), and the remaining mass', async () => {
    const s = await server('vllm');
    const backend = await backendFor(s);
    expect(backend.info.server).toMatchObject({ modelTokenIds: 'none', contextWindow: 256 });
    const { steps, summary } = await collect(new Generator(backend).generate(backend.promptIds({ text: PROMPT, addSpecialTokens: true }), { settings: settings({ temperature: 0 }), maxNewTokens: 3 }));
    const greedy = await ref.greedy(ref.encode(PROMPT), 3);
    expect(summary).toMatchObject({ reason: 'max-tokens', text: greedy.map((id) => ref.decode(id)).join('') });
    for (const [i, step] of steps.entries()) {
      const expected = softmaxAt(await ref.nextLogits([...ref.encode(PROMPT), ...greedy.slice(0, i)]), 1);
      const order = [...expected.keys()].sort((a, b) => expected[b] - expected[a]).slice(0, 20);
      const d = step.distribution;
      expect(d.vocabulary).toBe('partial');
      expect(step.chosen).toMatchObject({ byBackend: true, text: ref.decode(greedy[i]) });
      expect(step.chosen.modelTokenId).toBeUndefined();
      // the candidates, renormalised over the known tokens, are the model's top 20 in order
      expect(d.candidates.map((c) => c.text)).toEqual(order.map((id) => ref.decode(id)));
      const known = order.reduce((sum, id) => sum + expected[id], 0);
      expect(Math.abs(d.otherMass - (1 - known))).toBeLessThan(1e-4);
      d.candidates.forEach((c, j) => expect(Math.abs(c.rawProb * known - expected[order[j]])).toBeLessThan(1e-4));
    }
  });

  it('llama.cpp ids reach the snapshots as modelTokenId', async () => {
    const backend = await backendFor(await server('llama.cpp'));
    const { steps } = await collect(new Generator(backend).generate(backend.promptIds({ text: PROMPT, addSpecialTokens: true }), { settings: settings({ temperature: 0 }), maxNewTokens: 2 }));
    const greedy = await ref.greedy(ref.encode(PROMPT), 2);
    expect(steps.map((st) => st.chosen.modelTokenId)).toEqual(greedy);
    expect(steps[0].distribution.candidates.every((c) => Number.isInteger(c.modelTokenId))).toBe(true);
  });
});

describe('generating through each server and API', () => {
  it.each([
    ['vllm', 'chat'],
    ['llama.cpp', 'chat'],
    ['ollama', 'completions'],
    ['ollama', 'chat'],
    ['openai', 'completions'],
    ['openai', 'chat'],
  ] as const)('%s, %s: steps stream with their candidates', async (flavor, api) => {
    const s = await server(flavor);
    const backend = await backendFor(s, api);
    const conversation = { messages: [{ role: 'user' as const, content: 'Tell me a story.' }], tools: [] };
    const { steps, summary } = await collect(new Generator(backend).generate(backend.promptIds({ text: PROMPT, addSpecialTokens: true }, conversation), { settings: settings({ seed: 3 }), maxNewTokens: 3 }));
    expect(steps.length).toBeGreaterThan(0);
    // the top N asked for, and the server's own pick when it sampled a token outside them
    const n = flavor === 'openai' && api === 'completions' ? 5 : 20;
    for (const step of steps) expect(step.distribution.candidates.length - n).toBeOneOf([0, 1]);
    expect(summary.reason).toMatch(/max-tokens|eos/);
    const body = s.requests.at(-1)!.body as Record<string, unknown>;
    if (api === 'chat') expect(JSON.stringify(body)).toContain('Tell me a story.');
    else expect(JSON.stringify(body)).toContain(PROMPT);
  });
});

describe('answers that are not streamed', () => {
  it.each([
    ['vllm', '/v1/completions', { prompt: PROMPT, max_tokens: 3, temperature: 0, logprobs: 5 }, parseCompletionChunk],
    ['llama.cpp', '/v1/completions', { prompt: PROMPT, max_tokens: 3, temperature: 0, logprobs: 5 }, parseCompletionChunk],
    ['vllm', '/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3, temperature: 0, logprobs: true, top_logprobs: 5 }, parseChatChunk],
    ['llama.cpp', '/completion', { prompt: PROMPT, n_predict: 3, temperature: 0, n_probs: 5 }, parseLlamaCppChunk],
    ['ollama', '/api/generate', { prompt: PROMPT, raw: true, stream: false, logprobs: true, top_logprobs: 5, options: { num_predict: 3, temperature: 0 } }, parseOllamaChunk],
  ] as const)('%s %s: one JSON body with every token', async (flavor, path, body, parse: (json: unknown) => WireChunk) => {
    const s = await server(flavor);
    const response = await fetch(`${s.origin}${path}`, { method: 'POST', body: JSON.stringify({ model: s.modelId, ...body }) });
    expect(response.headers.get('Content-Type')).toBe('application/json');
    const chunk = parse(await response.json());
    expect(chunk.tokens).toHaveLength(3);
    for (const t of chunk.tokens) expect(t.top.length).toBeGreaterThanOrEqual(5);
    expect(chunk.finish).toBe('length');
  });
});

describe('branching', () => {
  it('"pick this token instead" continues from the prompt plus the chosen prefix, and the abandoned stream is closed', async () => {
    const s = await server('vllm');
    const backend = await backendFor(s);
    const generator = new Generator(backend);
    const base = await collect(generator.generate(backend.promptIds({ text: PROMPT, addSpecialTokens: true }), { settings: settings({ temperature: 0 }), maxNewTokens: 4 }));
    const other = base.steps[1].distribution.candidates[2];
    const before = s.requests.length;
    // (a long branch, so that its first stream is still running when the forced token makes it obsolete)
    const branch = await collect(generator.continueFrom(base.summary.branchId, 1, other.id, { settings: settings({ temperature: 0 }), maxNewTokens: 40 }));
    expect(branch.steps[0].chosen).toMatchObject({ id: other.id, forced: true });
    expect(branch.summary.tokenIds.slice(0, 2)).toEqual([base.summary.tokenIds[0], other.id]);
    const prompts = s.requests.slice(before).map((r) => (r.body as { prompt: string }).prompt);
    const first = base.steps[0].chosen.text;
    expect(prompts).toEqual([PROMPT + first, PROMPT + first + other.text]);
    await expect.poll(() => s.requests[before].aborted).toBe(true);
    // the continuation is the model's greedy path after the forced token
    const prefix = ref.encode(PROMPT + first + other.text);
    const greedy = await ref.greedy(prefix, 2);
    expect(branch.steps.slice(1, 3).map((st) => st.chosen.text).join('')).toBe(greedy.map((id) => ref.decode(id)).join(''));
  });

  it('in chat, continues the assistant message where the server can (vLLM), and says why not where it cannot', async () => {
    const conversation = { messages: [{ role: 'user' as const, content: 'Hi' }], tools: [] };
    for (const flavor of ['vllm', 'openai'] as const) {
      const s = await server(flavor);
      const backend = await backendFor(s, 'chat');
      const generator = new Generator(backend);
      const base = await collect(generator.generate(backend.promptIds({ text: '', addSpecialTokens: true }, conversation), { settings: settings({ temperature: 0 }), maxNewTokens: 3 }));
      const pick = base.steps[1].distribution.candidates[1];
      const branch = collect(generator.continueFrom(base.summary.branchId, 1, pick.id, { settings: settings({ temperature: 0 }), maxNewTokens: 3 }));
      if (flavor === 'openai') {
        await expect(branch).rejects.toThrow(/Picking another token needs the completions API/);
      } else {
        expect((await branch).steps[0].chosen.id).toBe(pick.id);
        expect(s.requests.at(-1)!.body).toMatchObject({ continue_final_message: true, add_generation_prompt: false, messages: [...conversation.messages, { role: 'assistant', content: base.steps[0].chosen.text }] });
      }
    }
  });
});

describe('Stop and slow servers', () => {
  it('Stop aborts the HTTP request at once, also while the server has not answered yet', async () => {
    const s = await server('vllm');
    const backend = await backendFor(s);
    s.fault('slow-first-byte', { firstByteDelayMs: 10_000 });
    const stop = new AbortController();
    const started = performance.now();
    const run = collect(new Generator(backend).generate(backend.promptIds({ text: PROMPT, addSpecialTokens: true }), { settings: settings(), maxNewTokens: 5, signal: stop.signal }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    stop.abort();
    expect((await run).summary).toMatchObject({ reason: 'stopped', tokenIds: [] });
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect.poll(() => s.requests.at(-1)!.aborted).toBe(true);
  });

  it('a slow first byte is waited for', async () => {
    const s = await server('vllm');
    const backend = await backendFor(s);
    s.fault('slow-first-byte', { firstByteDelayMs: 300 });
    const { steps } = await collect(new Generator(backend).generate(backend.promptIds({ text: PROMPT, addSpecialTokens: true }), { settings: settings(), maxNewTokens: 2 }));
    expect(steps).toHaveLength(2);
  });

  it('"run N times" gives each run its own server seed; run 0 the user\'s', async () => {
    const s = await server('vllm');
    const backend = await backendFor(s);
    await new Generator(backend).runMany(backend.promptIds({ text: PROMPT, addSpecialTokens: true }), 3, { settings: settings({ seed: 11 }), maxNewTokens: 2 });
    const seeds = s.requests.slice(-3).map((r) => (r.body as { seed: number }).seed);
    expect(seeds[0]).toBe(11);
    expect(new Set(seeds).size).toBe(3);
  });
});

describe('faults: each ends in a message that says what happened', () => {
  const KEY = 'sk-test-secret-4242';

  const failure = (p: Promise<unknown>) => p.then(() => 'no failure', (err: Error) => err.message);

  it('an unreachable host', async () => {
    const s = await server('vllm');
    const url = s.url;
    await s.close();
    expect(await failure(connectServer(url))).toMatch(/Could not reach the server at http:\/\/127\.0\.0\.1:\d+: nothing accepts connections there \(connection refused\)/);
  });

  it('a refused origin (CORS), as a browser reports it: the flag of each server is named', () => {
    const message = networkFailureMessage(new TypeError('Failed to fetch'), 'http://localhost:8000');
    expect(message).toMatch(/refused this page's origin.*\(CORS\)/);
    expect(message).toMatch(/vLLM --allowed-origins .*llama\.cpp --cors-origins .*Ollama OLLAMA_ORIGINS=/);
  });

  it('a wrong API key (401) and a forbidden one (403), without the key in the message', async () => {
    const s = await server('vllm', { apiKey: 'sk-right-0000' });
    const wrong = await failure(connectServer(s.url, KEY));
    expect(wrong).toMatch(/refused the request \(401\): it needs an API key, or the key given is wrong/);
    expect(wrong).toContain('[API key]'); // the server echoed it; the message does not
    expect(wrong).not.toContain(KEY);
    const open = await server('vllm');
    open.fault('forbidden');
    expect(await failure(connectServer(open.url, KEY))).toMatch(/403 Forbidden/);
  });

  it('an unknown model (404)', async () => {
    const s = await server('vllm');
    const connection = await connectServer(s.url);
    expect(await failure(openServerBackend({ connection, modelId: 'no-such-model', api: 'completions' }))).toMatch(/does not know the model "no-such-model".*does not exist/);
  });

  it('rate limiting (429) with its Retry-After, in seconds or as a date', async () => {
    const s = await server('vllm');
    s.fault('rate-limited', { retryAfterSeconds: 7 });
    expect(await failure(connectServer(s.url))).toMatch(/limiting requests \(429 Too Many Requests\): try again in 7 seconds/);
    expect(retryAfterSeconds('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(30);
    expect(retryAfterSeconds('soon')).toBeNull();
  });

  it('a server that ignores log-probabilities, and one that refuses them', async () => {
    const s = await server('vllm');
    s.fault('no-logprobs');
    expect(await failure(backendFor(s))).toMatch(/sent text without log-probabilities: it ignores the request for them/);
    s.fault('reject-logprobs');
    expect(await failure(backendFor(s))).toMatch(/refused to return log-probabilities \(400.*logprobs are not supported/);
    // asked for 20, then for 5, before giving up
    expect(s.requests.slice(-2).map((r) => (r.body as { logprobs: number }).logprobs)).toEqual([20, 5]);
  });

  it('a stream cut mid-way ends the run "interrupted", keeping the tokens received', async () => {
    const s = await server('vllm');
    const backend = await backendFor(s);
    s.fault('cut-stream', { cutAfterTokens: 2 });
    const { steps, summary } = await collect(new Generator(backend).generate(backend.promptIds({ text: PROMPT, addSpecialTokens: true }), { settings: settings(), maxNewTokens: 5 }));
    expect(steps).toHaveLength(2);
    expect(summary).toMatchObject({ reason: 'interrupted', tokenIds: steps.map((st) => st.chosen.id) });
    expect(summary.message).toMatch(/stream stopped after 2 tokens without finishing \(the connection failed: .*\)\. The tokens received are kept/);
  });

  it.each([
    ['malformed-sse', /stream is malformed: a line is not a server-sent event \("<html><body>502 Bad Gateway/],
    ['malformed-json', /stream is malformed: an event is not valid JSON/],
    ['oversized', /stream event is larger than 1 MB/],
  ] satisfies [ServerFault, RegExp][])('%s', async (fault, message) => {
    const s = await server('vllm');
    const backend = await backendFor(s);
    s.fault(fault);
    const steps: unknown[] = [];
    const it = new Generator(backend).generate(backend.promptIds({ text: PROMPT, addSpecialTokens: true }), { settings: settings(), maxNewTokens: 5 });
    const error = await (async () => {
      for (let next = await it.next(); !next.done; next = await it.next()) steps.push(next.value);
    })().then(() => null, (err: Error) => err.message);
    expect(error).toMatch(message);
    expect(steps).toHaveLength(1); // the token before the bad event was shown
  });

  it('the key goes only in the Authorization header, and into no message', async () => {
    const s = await server('vllm', { apiKey: KEY });
    const backend = await backendFor(s, 'completions', KEY);
    const generate = () => collect(new Generator(backend).generate(backend.promptIds({ text: PROMPT, addSpecialTokens: true }), { settings: settings(), maxNewTokens: 5 }));
    await generate();
    s.fault('cut-stream', { cutAfterTokens: 1 });
    const interrupted = (await generate()).summary.message ?? '';
    s.fault('malformed-json');
    const malformed = await failure(generate());
    for (const r of s.requests) {
      expect(r.authorization).toBe(`Bearer ${KEY}`);
      expect(JSON.stringify(r.body ?? '')).not.toContain(KEY);
      expect(r.path).not.toContain(KEY);
    }
    for (const m of [interrupted, malformed]) expect(m).not.toContain(KEY);
  });
});
