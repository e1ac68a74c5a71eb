/**
 * The wire-format parsers against answers the servers' projects published (fixtures/, each naming its source), and
 * the stream reader against well-formed, malformed and oversized streams.
 */
import { describe, expect, it } from 'vitest';
import { EngineFailure } from '../../handlers';
import { MAX_EVENT_CHARS, streamValues, type StreamFormat } from './events';
import { TokenTable } from './vocabulary';
import { parseChatChunk, parseCompletionChunk, parseLlamaCppChunk, parseOllamaChunk, parsePromptScores, type WireChunk } from './wire';
import { chatCompletion, legacyCompletion } from './fixtures/openai';
import { chatStreamChunk, promptScoreAnswer, tokenIdChunk } from './fixtures/vllm';
import { ollamaTestEvent, streamEvents } from './fixtures/llamacpp';
import { generateStream } from './fixtures/ollama';

const response = (body: string, type = 'text/event-stream') => new Response(body, { headers: { 'Content-Type': type } });

async function values(body: string, format: StreamFormat, type?: string) {
  const out: unknown[] = [];
  const it = streamValues(response(body, type), format);
  let next = await it.next();
  while (!next.done) {
    out.push(next.value);
    next = await it.next();
  }
  return { values: out, end: next.value };
}

/** The text of the chosen tokens, joined by their bytes as the backend's token table does. */
function chosenText(chunks: WireChunk[]): string {
  const table = new TokenTable();
  return table.decode(chunks.flatMap((c) => c.tokens.map((t) => table.intern(t.chosen))));
}

describe('OpenAI chat logprobs (the API reference example)', () => {
  const chunk = parseChatChunk(chatCompletion);

  it('reads every token with its top candidates and the finish reason', () => {
    expect(chunk.tokens).toHaveLength(9);
    expect(chunk.tokens[0].chosen).toEqual({ text: 'Hello', bytes: [72, 101, 108, 108, 111], id: null, logprob: -0.31725305 });
    expect(chunk.tokens[0].top.map((c) => [c.text, c.logprob])).toEqual([
      ['Hello', -0.31725305],
      ['Hi', -1.3190403],
    ]);
    expect(chunk.finish).toBe('stop');
    expect(chunk.text).toBe('Hello! How can I assist you today?');
  });

  it('joins the chosen tokens into the message, and keeps a token without bytes by its text', () => {
    expect(chosenText([chunk])).toBe(chunk.text);
    expect(chunk.tokens[2].top[1]).toEqual({ text: '<|end|>', bytes: null, id: null, logprob: -10.953937 });
  });
});

describe('OpenAI legacy completions logprobs', () => {
  const chunk = parseCompletionChunk(legacyCompletion);

  it('reads the parallel arrays and the top candidates object', () => {
    expect(chunk.tokens.map((t) => t.chosen.logprob)).toEqual(legacyCompletion.choices[0].logprobs.token_logprobs);
    expect(chunk.tokens[0].top).toHaveLength(5);
    expect(chunk.tokens[1].top.find((c) => c.text === 'bytes:\\xe7\\xad')?.bytes).toEqual([0xe7, 0xad]);
    expect(chunk.finish).toBe('length');
  });

  it('decodes "bytes:\\x.." tokens, so the halves of 习 join up into the completion text', () => {
    expect(chunk.tokens[4].chosen.bytes).toEqual([0xe4, 0xb9]);
    expect(chunk.tokens[5].chosen.bytes).toEqual([0xa0]);
    expect(chosenText([chunk])).toBe(legacyCompletion.choices[0].text);
  });

  it('reads vLLM\'s "token_id:N" form as ids, with the chunk text for a lone chosen token', () => {
    const c = parseCompletionChunk({
      choices: [{ index: 0, text: ' sky', logprobs: { tokens: ['token_id:1234'], token_logprobs: [-0.5], top_logprobs: [{ 'token_id:1234': -0.5, 'token_id:99': -1.5 }], text_offset: [10] }, finish_reason: null }],
    });
    expect(c.tokens[0].chosen).toEqual({ text: ' sky', bytes: null, id: 1234, logprob: -0.5 });
    expect(c.tokens[0].top.map((t) => [t.id, t.text])).toEqual([
      [1234, null],
      [99, null],
    ]);
  });
});

describe("vLLM's chat stream", () => {
  it('reads a streamed chunk with its top candidates', () => {
    const chunk = parseChatChunk(chatStreamChunk);
    expect(chunk.text).toBe('icopter');
    expect(chunk.finish).toBeNull();
    expect(chunk.tokens[0].top.map((c) => [c.text, c.logprob])).toEqual([
      ['icopter', -0.0096149444580078125],
      ['ix', -5.509614944458008],
    ]);
  });

  it('with --return-tokens-as-token-ids: the ids, the chosen token\'s real bytes, no text for the others', () => {
    const chunk = parseChatChunk(tokenIdChunk);
    const table = new TokenTable();
    const chosen = table.intern(chunk.tokens[0].chosen);
    const other = table.intern(chunk.tokens[0].top[1]);
    expect(table.intern(chunk.tokens[0].top[0])).toBe(chosen);
    expect([table.modelId(chosen), table.modelId(other)]).toEqual([292, 953]);
    expect(table.decode([chosen, other])).toBe('icopter[token 953]');
    expect(() => table.exactText([other])).toThrow(/only by its id/);
  });
});

describe("llama.cpp's native /completion stream", () => {
  it('reads ids, bytes and log-probabilities, joins a character split over two tokens, and the stop', async () => {
    const { values: events, end } = await values(streamEvents, 'sse');
    const chunks = events.map(parseLlamaCppChunk);
    expect(end).toEqual({ kind: 'closed' });
    expect(chunks.flatMap((c) => c.tokens.map((t) => t.chosen.id))).toEqual([53050, 4241, 102]);
    expect(chunks[0].tokens[0].top.map((c) => [c.id, c.text, c.logprob])).toEqual([
      [53050, ' caf', -0.2],
      [11883, ' coffee', -2.1],
    ]);
    expect(chosenText(chunks)).toBe(' café');
    expect(chunks.map((c) => c.finish)).toEqual([null, null, null, 'stop']);
  });

  it('takes the fields as optional (the event of Ollama\'s tests)', async () => {
    const chunk = parseLlamaCppChunk((await values(ollamaTestEvent, 'sse')).values[0]);
    expect(chunk.tokens[0].chosen).toEqual({ text: 'Hi', bytes: null, id: null, logprob: -0.5 });
    expect(chunk.tokens[0].top).toHaveLength(2);
  });

  it('reads post-sampling probabilities (prob, top_probs) as log-probabilities, and says so', () => {
    const chunk = parseLlamaCppChunk({ content: 'a', stop: false, completion_probabilities: [{ id: 1, token: 'a', bytes: [97], prob: 0.5, top_probs: [{ id: 1, token: 'a', bytes: [97], prob: 0.5 }] }] });
    expect(chunk.tokens[0].chosen.logprob).toBeCloseTo(Math.log(0.5), 12);
    expect(chunk.afterSampling).toBe(true);
  });
});

describe("Ollama's /api/generate stream (release notes example)", () => {
  it('reads newline-delimited JSON: the token, its top candidates, and the end', async () => {
    const { values: lines } = await values(generateStream, 'ndjson', 'application/x-ndjson');
    const chunks = lines.map(parseOllamaChunk);
    expect(chunks[0].text).toBe('The');
    expect(chunks[0].tokens[0].top.map((c) => c.text)).toEqual(['The', 'Okay', 'That']);
    expect(chunks[0].tokens[0].chosen.bytes).toEqual([84, 104, 101]);
    expect(chunks[1]).toMatchObject({ tokens: [], text: '', finish: 'stop' });
  });
});

describe('reading a stream', () => {
  it("ends 'done' at OpenAI's [DONE] and 'closed' without it", async () => {
    expect((await values('data: {"a":1}\n\ndata: [DONE]\n\n', 'sse')).end).toEqual({ kind: 'done' });
    expect(await values('data: {"a":1}\n\n', 'sse')).toEqual({ values: [{ a: 1 }], end: { kind: 'closed' } });
  });

  it('reads a whole JSON body when the server ignored stream: true', async () => {
    expect(await values(JSON.stringify(chatCompletion), 'sse', 'application/json')).toEqual({ values: [chatCompletion], end: { kind: 'done' } });
  });

  it('refuses a line that is not server-sent events, and an event that is not JSON, saying so', async () => {
    await expect(values('data: {"a":1}\n\n<html>502 Bad Gateway</html>\n\n', 'sse')).rejects.toThrow(/stream is malformed: a line is not a server-sent event \("<html>502 Bad Gateway<\/html>"\)/);
    await expect(values('data: {"choices": [\n\n', 'sse')).rejects.toThrow(/stream is malformed: an event is not valid JSON/);
    await expect(values('{"response":"a"}\n{"respo\n', 'ndjson')).rejects.toThrow(EngineFailure);
  });

  it('refuses an event larger than the cap, whole or in pieces', async () => {
    const pad = 'x'.repeat(MAX_EVENT_CHARS + 10);
    const failure = (body: string, format: StreamFormat) => values(body, format).then(() => 'no failure', (err: Error) => err.message);
    expect(await failure(`data: {"pad":"${pad}"}\n\n`, 'sse')).toMatch(/stream event is larger than 1 MB/);
    expect(await failure(`data: {"pad":"${pad}`, 'sse')).toMatch(/stream event is larger than 1 MB/);
    expect(await failure(`{"pad":"${pad}`, 'ndjson')).toMatch(/stream line is larger than 1 MB/);
  });
});

describe('prompt scoring answers', () => {
  it("vLLM's echo with prompt_logprobs: every prompt token, the first without a logprob, the model's ids and exact ranks", () => {
    const { tokens, error } = parsePromptScores(promptScoreAnswer);
    expect(error).toBeNull();
    expect(tokens.map((t) => t.chosen.text)).toEqual(['<|begin_of_text|>', 'The', ' cat']);
    expect(tokens[0].chosen.logprob).toBeNaN();
    expect(tokens[0].rank).toBeNull();
    expect(tokens[1]).toMatchObject({ chosen: { id: 791, logprob: -2.5 }, rank: 2 });
    // beyond the top N: vLLM still gives the exact rank
    expect(tokens[2]).toMatchObject({ chosen: { id: 8415, logprob: -7.25 }, rank: 57 });
    expect(tokens[2].top.map((c) => [c.id, c.text, c.logprob])).toEqual([
      [1176, ' first', -3],
      [8415, ' cat', -7.25],
    ]);
  });

  it('the legacy echo alone (no prompt_logprobs): texts and top lists, no ranks; a generated tail is cut at usage.prompt_tokens', () => {
    const choice = { ...promptScoreAnswer.choices[0], prompt_logprobs: undefined };
    const withTail = { ...choice, logprobs: { ...choice.logprobs, tokens: [...choice.logprobs.tokens, '!'], token_logprobs: [...choice.logprobs.token_logprobs, -1], top_logprobs: [...choice.logprobs.top_logprobs, { '!': -1 }] } };
    const { tokens } = parsePromptScores({ ...promptScoreAnswer, choices: [withTail] });
    expect(tokens.map((t) => [t.chosen.text, t.chosen.id, t.rank])).toEqual([
      ['<|begin_of_text|>', null, null],
      ['The', null, null],
      [' cat', null, null],
    ]);
    expect(tokens[2].top.map((c) => c.text)).toEqual([' first', ' cat']);
  });
});
