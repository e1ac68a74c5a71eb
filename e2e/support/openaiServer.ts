/**
 * An OpenAI-compatible model server for the tests, on 127.0.0.1 (a random port), running the REAL embedded model
 * (public/models/nexttoken-base) through Transformers.js on onnxruntime-node (the model of reference.ts): no mocked
 * model, real HTTP.
 *
 * It answers as the four kinds of server the app supports (`flavor`), each in its own wire format:
 * - `GET /v1/models` (vLLM adds `max_model_len`, llama.cpp `owned_by: "llamacpp"` and `meta`), `GET /api/version` (Ollama);
 * - `POST /v1/completions`: legacy logprobs (`tokens`, `token_logprobs`, `top_logprobs` objects, `text_offset`), or
 *   llama.cpp's `logprobs.content[]` with ids; `"token_id:N"` tokens for vLLM's `return_tokens_as_token_ids`;
 *   prompt scoring (vLLM and 'openai' only; llama.cpp and Ollama return log-probabilities of generated tokens only,
 *   so they ignore these fields): `echo: true` with `logprobs: N` and `max_tokens: 0` (not streamed) answers the
 *   prompt's own tokens, its BOS first, as the tokenizer adds it (as vLLM does): `token_logprobs` null and
 *   `top_logprobs` null for that first token, then for token i the log-softmax at i of the logits after tokens
 *   0..i−1 (vLLM lists the token itself among the top N too, OpenAI only the N); vLLM also takes `prompt_logprobs: N`
 *   (`choices[0].prompt_logprobs`: null, then per token id → `{ logprob, rank, decoded_token }`, the top N and the
 *   token itself, rank 1 + the tokens strictly more likely); echo with generation or a stream is refused (400);
 * - `POST /v1/chat/completions`: `logprobs.content[]` with `bytes` and `top_logprobs[]` (llama.cpp adds `id`);
 * - `POST /completion`: llama.cpp's native stream with `completion_probabilities`;
 * - `POST /api/generate`, `POST /api/chat`: Ollama's newline-delimited JSON with `logprobs`.
 * Streamed (server-sent events, or NDJSON for Ollama) and not. The log-probabilities are the model's own (log-softmax
 * of the raw logits, T = 1), as vLLM reports by default; the token is sampled with the request's settings
 * (temperature 0 = greedy; top-k, top-p, min-p, repetition penalty; a seeded RNG).
 *
 * Structured outputs (structuredOutputs.ts: vLLM's `structured_outputs`, `response_format`, a named `tool_choice`,
 * llama.cpp's `json_schema` / `grammar`, Ollama's `format`) are enforced with XGrammar as the real servers do: the
 * forbidden tokens are masked before sampling, the log-probabilities stay the raw ones; an invalid one is a 400. A
 * forced tool call (vLLM, OpenAI chat) streams its arguments as `delta.tool_calls`, as they do.
 *
 * `fault()` switches on one failure for the requests that follow, to test each message the app shows. Every request
 * is recorded (with its Authorization header and whether the client hung up early). The app's page is cross-origin
 * isolated, so answers carry CORS and `Cross-Origin-Resource-Policy: cross-origin` headers (except under
 * 'cors-refused'). Nothing here imports the app's engine: its sampling and formats are written out independently.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { mulberry32 } from '../../src/engine/tokenizers/testCorpus';
import { EMBEDDED_MODEL, MODELS_DIR, reference } from './reference';
import { readStructuredRequest, structuredOutputs, type StructuredOutputs, type TokenFilter } from './structuredOutputs';

export type ServerFlavor = 'vllm' | 'llama.cpp' | 'ollama' | 'openai';

/**
 * - 'cors-refused': no CORS headers (a preflight gets 403), as a server that does not allow the page's origin;
 * - 'unauthorized' (401, echoing the key it got), 'forbidden' (403), 'rate-limited' (429 with Retry-After);
 * - 'no-logprobs': tokens stream without log-probabilities; 'reject-logprobs': 400 naming logprobs;
 * - 'cut-stream': the connection is destroyed after `cutAfterTokens` tokens;
 * - 'malformed-sse' / 'malformed-json': after one token, a line that is not SSE / an event that is not JSON;
 * - 'oversized': after one token, an event of 2 MiB;
 * - 'slow-first-byte': generation answers only after `firstByteDelayMs` (the client may hang up meanwhile).
 * The last seven act on generation requests only (set them after the app connected and chose the model: that
 * check is a one-token generation too); the first ones on every request.
 */
export type ServerFault =
  | 'none'
  | 'cors-refused'
  | 'unauthorized'
  | 'forbidden'
  | 'rate-limited'
  | 'no-logprobs'
  | 'reject-logprobs'
  | 'cut-stream'
  | 'malformed-sse'
  | 'malformed-json'
  | 'oversized'
  | 'slow-first-byte';

interface FaultOptions {
  retryAfterSeconds?: number;
  cutAfterTokens?: number;
  firstByteDelayMs?: number;
}

export interface OpenAIServerOptions {
  flavor?: ServerFlavor;
  /** when set, requests must carry `Authorization: Bearer <apiKey>` (else 401) */
  apiKey?: string;
  /** the id the model is listed and requested under */
  modelId?: string;
  /** vLLM's `--return-tokens-as-token-ids`: every token written as "token_id:N" */
  tokensAsIds?: boolean;
  /**
   * vLLM's version, answered at `GET /version` (default 0.11.0). Before 0.10.2 vLLM took structured outputs as
   * `guided_*` fields and ignored `structured_outputs`; this server then does the same.
   */
  vllmVersion?: string;
}

interface RecordedRequest {
  method: string;
  path: string;
  origin: string | null;
  authorization: string | null;
  body: unknown;
  /** the client closed the connection before the answer was complete */
  aborted: boolean;
}

export interface OpenAIServer {
  /** the base URL, e.g. http://127.0.0.1:40123/v1 */
  url: string;
  origin: string;
  modelId: string;
  requests: RecordedRequest[];
  fault(kind: ServerFault, options?: FaultOptions): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- the model

interface ServedModel {
  tokenizer: PreTrainedTokenizer;
  /** id → the token's bytes */
  bytes: Uint8Array[];
  /** the structured-output engine over this vocabulary (started on first use) */
  structured(): Promise<StructuredOutputs>;
  eos: number;
  contextWindow: number;
  logits(ids: number[]): Promise<Float32Array>;
}

/** GPT-2's byte-level alphabet, inverted: the byte each character of a byte-level BPE token stands for. */
function byteLevelDecoder(): Map<string, number> {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = [...bytes];
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(256 + extra++);
    }
  }
  return new Map(chars.map((c, i) => [String.fromCharCode(c), bytes[i]]));
}

let loading: Promise<ServedModel> | null = null;

/** The model of reference.ts (one forward pass over the whole sequence per token; loaded once per process). */
function servedModel(): Promise<ServedModel> {
  loading ??= (async () => {
    const model = await reference();
    const tokenizer = await AutoTokenizer.from_pretrained(EMBEDDED_MODEL);
    const config = JSON.parse(readFileSync(join(MODELS_DIR, EMBEDDED_MODEL, 'config.json'), 'utf8')) as { max_position_embeddings: number };
    const decoder = byteLevelDecoder();
    const special = new Set(tokenizer.all_special_tokens);
    const bytes: Uint8Array[] = [];
    const encoded: string[] = [];
    for (const [token, id] of tokenizer.get_vocab() as Map<string, number>) {
      bytes[id] = special.has(token) ? new TextEncoder().encode(token) : Uint8Array.from([...token].map((c) => decoder.get(c) ?? 63));
      encoded[id] = token;
    }
    const eos = model.eosTokenIds[0];
    let structured: Promise<StructuredOutputs> | null = null;
    return {
      tokenizer,
      bytes,
      structured: () => (structured ??= structuredOutputs(encoded, eos)),
      eos,
      contextWindow: config.max_position_embeddings,
      logits: (ids) => model.nextLogits(ids),
    };
  })();
  return loading;
}

// ---------------------------------------------------------------- sampling (written out here, not the app's)

interface Sampling {
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repetitionPenalty: number;
  seed: number;
  /** log-probabilities per token: -1 none, 0 only the chosen token's, N the top N too */
  logprobs: number;
}

interface Generated {
  id: number;
  logprob: number;
  top: { id: number; logprob: number }[];
}

function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(logits, (v) => v - lse);
}

function pick(logits: Float32Array, context: number[], s: Sampling, random: () => number): number {
  const l = Float64Array.from(logits);
  if (s.repetitionPenalty !== 1) for (const id of new Set(context)) l[id] = l[id] < 0 ? l[id] * s.repetitionPenalty : l[id] / s.repetitionPenalty;
  let best = 0;
  for (let i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
  if (!(s.temperature > 0)) return best;
  const order = [...l.keys()].sort((a, b) => l[b] - l[a]);
  let p = order.map((i) => Math.exp((l[i] - l[best]) / s.temperature));
  const normalise = () => {
    const z = p.reduce((x, y) => x + y, 0);
    p = p.map((x) => x / z);
  };
  normalise();
  if (s.topK > 0) p = p.map((x, r) => (r < s.topK ? x : 0));
  normalise();
  if (s.topP < 1) {
    let cumulative = 0;
    p = p.map((x) => {
      const keep = cumulative < s.topP;
      cumulative += x;
      return keep ? x : 0;
    });
    normalise();
  }
  if (s.minP > 0) p = p.map((x) => (x >= s.minP * p[0] ? x : 0));
  normalise();
  let u = random();
  for (let r = 0; r < p.length; r++) {
    u -= p[r];
    if (u < 0) return order[r];
  }
  return order[0];
}

/** The logits with every token the filter forbids at −∞. */
async function masked(logits: Float32Array, filter: TokenFilter): Promise<Float32Array> {
  const allowed = await filter.allowed();
  return logits.map((v, id) => ((allowed[id >> 5] >>> (id & 31)) & 1 ? v : -Infinity));
}

/**
 * Tokens one at a time until EOS (not emitted), `maxTokens`, the window, or the client hanging up; within a
 * structured output's tokens when `filter` is given (its log-probabilities stay the model's raw ones).
 */
async function* generate(model: ServedModel, promptIds: number[], s: Sampling, gone: () => boolean, filter: TokenFilter | null): AsyncGenerator<Generated, 'stop' | 'length'> {
  const ids = [...promptIds];
  const random = mulberry32(s.seed);
  for (let n = 0; n < s.maxTokens; n++) {
    if (ids.length >= model.contextWindow) return 'length';
    if (gone()) return 'stop';
    const logits = await model.logits(ids);
    const id = pick(filter ? await masked(logits, filter) : logits, ids, s, random);
    if (id === model.eos) return 'stop';
    filter?.accept(id);
    const lp = logSoftmax(logits);
    const top =
      s.logprobs > 0
        ? [...lp.keys()]
            .sort((a, b) => lp[b] - lp[a])
            .slice(0, s.logprobs)
            .map((i) => ({ id: i, logprob: lp[i] }))
        : [];
    ids.push(id);
    yield { id, logprob: lp[id], top };
  }
  return 'length';
}

// ---------------------------------------------------------------- wire formats

type Json = Record<string, unknown>;

const textOf = (model: ServedModel, id: number) => new TextDecoder().decode(model.bytes[id]);

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** A conversation as this base model reads it (it has no chat template): one line per message, then "assistant:". */
function renderChat(messages: Json[], continueFinal: boolean, tools: unknown): string {
  const lines = Array.isArray(tools) && tools.length > 0 ? [`tools: ${JSON.stringify(tools)}`] : [];
  const last = messages.length - 1;
  messages.forEach((m, i) => {
    const content = typeof m.content === 'string' ? m.content : '';
    lines.push(continueFinal && i === last ? `${m.role}: ${content}` : `${m.role}: ${content}\n`);
  });
  return continueFinal ? lines.join('') : `${lines.join('')}assistant:`;
}

interface Endpoint {
  /** the prompt as text (BOS added by the tokenizer) */
  prompt: string;
  sampling: Sampling;
  stream: boolean;
  /** writes one generated token (streamed) or collects it (not) */
  format: Format;
}

interface Format {
  contentType(stream: boolean): string;
  /** the events for one token; `text` is the text it adds */
  token(t: Generated, text: string, offset: number): Json[];
  finish(reason: 'stop' | 'length', usage: { prompt: number; completion: number }): Json[];
  /** the whole answer when not streamed */
  whole(tokens: { t: Generated; text: string; offset: number }[], reason: 'stop' | 'length', usage: { prompt: number; completion: number }): Json;
  /** streamed events end with `data: [DONE]` */
  done: boolean;
  ndjson: boolean;
}

interface Ctx {
  model: ServedModel;
  flavor: ServerFlavor;
  modelId: string;
  tokensAsIds: boolean;
  created: number;
}

function entry(ctx: Ctx, id: number, logprob: number, withId: boolean): Json {
  const token = ctx.tokensAsIds ? `token_id:${id}` : textOf(ctx.model, id);
  const bytes = ctx.tokensAsIds ? [...new TextEncoder().encode(token)] : [...ctx.model.bytes[id]];
  return withId ? { id, token, bytes, logprob } : { token, bytes, logprob };
}

function contentEntry(ctx: Ctx, t: Generated, withId: boolean): Json {
  // vLLM's token-id mode: the chosen token's bytes are its real bytes
  const chosen = { ...entry(ctx, t.id, t.logprob, withId), ...(ctx.tokensAsIds && { bytes: [...ctx.model.bytes[t.id]] }) };
  return { ...chosen, top_logprobs: t.top.map((c) => entry(ctx, c.id, c.logprob, withId)) };
}

/** A chat answer's text; with a forced tool call (`toolCall`: its name), the call's arguments, as `tool_calls`. */
function chatFormat(ctx: Ctx, logprobs: boolean, toolCall: string | null): Format {
  const withId = ctx.flavor === 'llama.cpp';
  const base = { id: 'chatcmpl-test', created: ctx.created, model: ctx.modelId };
  const call = { id: 'call-test', type: 'function' };
  let calling = false;
  const delta = (text: string): Json => {
    if (!toolCall) return { content: text };
    // the first chunk of a call names it; the next ones add to its arguments
    const first = !calling;
    calling = true;
    return { tool_calls: [{ index: 0, ...(first && call), function: { ...(first && { name: toolCall }), arguments: text } }] };
  };
  const message = (text: string): Json => (toolCall ? { role: 'assistant', content: null, tool_calls: [{ ...call, function: { name: toolCall, arguments: text } }] } : { role: 'assistant', content: text });
  return {
    contentType: (stream) => (stream ? 'text/event-stream' : 'application/json'),
    token: (t, text) => [{ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: delta(text), logprobs: logprobs ? { content: [contentEntry(ctx, t, withId)] } : null, finish_reason: null }] }],
    finish: (reason, u) => [
      { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: reason }] },
      { ...base, object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion } },
    ],
    whole: (tokens, reason, u) => ({
      ...base,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: message(tokens.map((x) => x.text).join('')),
          logprobs: logprobs ? { content: tokens.map((x) => contentEntry(ctx, x.t, withId)) } : null,
          finish_reason: reason,
        },
      ],
      usage: { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion },
    }),
    done: true,
    ndjson: false,
  };
}

function completionsFormat(ctx: Ctx, logprobs: boolean): Format {
  const base = { id: 'cmpl-test', object: 'text_completion', created: ctx.created, model: ctx.modelId };
  const legacy = (items: { t: Generated; offset: number }[]): Json => {
    const name = (id: number) => (ctx.tokensAsIds ? `token_id:${id}` : textOf(ctx.model, id));
    return {
      text_offset: items.map((x) => x.offset),
      token_logprobs: items.map((x) => x.t.logprob),
      tokens: items.map((x) => name(x.t.id)),
      // as vLLM: the chosen token is listed too, also when it is not among the top N
      top_logprobs: items.map((x) => Object.fromEntries([...x.t.top.map((c) => [name(c.id), c.logprob]), [name(x.t.id), x.t.logprob]])),
    };
  };
  const lp = (items: { t: Generated; offset: number }[]) =>
    !logprobs ? null : ctx.flavor === 'llama.cpp' ? { content: items.map((x) => contentEntry(ctx, x.t, true)) } : legacy(items);
  return {
    contentType: (stream) => (stream ? 'text/event-stream' : 'application/json'),
    token: (t, text, offset) => [{ ...base, choices: [{ index: 0, text, logprobs: lp([{ t, offset }]), finish_reason: null }] }],
    finish: (reason, u) => [
      { ...base, choices: [{ index: 0, text: '', logprobs: null, finish_reason: reason }] },
      { ...base, choices: [], usage: { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion } },
    ],
    whole: (tokens, reason, u) => ({
      ...base,
      choices: [{ index: 0, text: tokens.map((x) => x.text).join(''), logprobs: lp(tokens), finish_reason: reason }],
      usage: { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion },
    }),
    done: true,
    ndjson: false,
  };
}

function llamaCppFormat(ctx: Ctx, logprobs: boolean): Format {
  const probs = (t: Generated) => (logprobs ? { completion_probabilities: [contentEntry(ctx, t, true)] } : {});
  return {
    contentType: (stream) => (stream ? 'text/event-stream' : 'application/json'),
    token: (t, text) => [{ index: 0, content: text, tokens: [t.id], stop: false, ...probs(t) }],
    finish: (reason, u) => [{ index: 0, content: '', tokens: [], stop: true, model: ctx.modelId, stop_type: reason === 'stop' ? 'eos' : 'limit', tokens_predicted: u.completion, tokens_evaluated: u.prompt }],
    whole: (tokens, reason, u) => ({
      index: 0,
      content: tokens.map((x) => x.text).join(''),
      tokens: tokens.map((x) => x.t.id),
      stop: true,
      model: ctx.modelId,
      stop_type: reason === 'stop' ? 'eos' : 'limit',
      tokens_predicted: u.completion,
      tokens_evaluated: u.prompt,
      ...(logprobs ? { completion_probabilities: tokens.map((x) => contentEntry(ctx, x.t, true)) } : {}),
    }),
    done: false,
    ndjson: false,
  };
}

function ollamaFormat(ctx: Ctx, chat: boolean, logprobs: boolean): Format {
  const text = (s: string) => (chat ? { message: { role: 'assistant', content: s } } : { response: s });
  const lps = (ts: Generated[]) => (logprobs ? { logprobs: ts.map((t) => contentEntry(ctx, t, false)) } : {});
  const at = () => new Date(ctx.created * 1000).toISOString();
  return {
    contentType: (stream) => (stream ? 'application/x-ndjson' : 'application/json'),
    token: (t, s) => [{ model: ctx.modelId, created_at: at(), ...text(s), done: false, ...lps([t]) }],
    finish: (reason, u) => [{ model: ctx.modelId, created_at: at(), ...text(''), done: true, done_reason: reason, prompt_eval_count: u.prompt, eval_count: u.completion }],
    whole: (tokens, reason, u) => ({
      model: ctx.modelId,
      created_at: at(),
      ...text(tokens.map((x) => x.text).join('')),
      done: true,
      done_reason: reason,
      prompt_eval_count: u.prompt,
      eval_count: u.completion,
      ...lps(tokens.map((x) => x.t)),
    }),
    done: false,
    ndjson: true,
  };
}

/** The request's prompt, sampling and format, per endpoint; null when the path is not a generation endpoint.
 * `toolCall`: the tool a chat answer is a forced call of (its arguments are the answer). */
function readEndpoint(ctx: Ctx, path: string, b: Json, toolCall: string | null = null): Endpoint | null {
  const seed = num(b.seed, 0);
  const sampling = (o: Json, defaults: Partial<Sampling>, logprobs: number, maxTokens: number): Sampling => ({
    maxTokens: maxTokens < 0 ? Infinity : maxTokens,
    temperature: num(o.temperature, defaults.temperature ?? 1),
    topK: Math.max(0, num(o.top_k, defaults.topK ?? 0)),
    topP: num(o.top_p, defaults.topP ?? 1),
    minP: num(o.min_p, defaults.minP ?? 0),
    repetitionPenalty: num(o.repetition_penalty ?? o.repeat_penalty, defaults.repetitionPenalty ?? 1),
    seed: num(o.seed, seed),
    logprobs,
  });
  const messages = Array.isArray(b.messages) ? (b.messages as Json[]) : [];
  const lastIsAssistant = messages.length > 0 && messages[messages.length - 1].role === 'assistant';
  switch (path) {
    case '/v1/completions': {
      const logprobs = b.logprobs === null || b.logprobs === undefined ? -1 : num(b.logprobs, 0);
      const tokensAsIds = ctx.tokensAsIds || b.return_tokens_as_token_ids === true;
      const c = { ...ctx, tokensAsIds };
      return { prompt: String(b.prompt ?? ''), sampling: sampling(b, {}, logprobs, num(b.max_tokens, 16)), stream: b.stream === true, format: completionsFormat(c, logprobs >= 0) };
    }
    case '/v1/chat/completions': {
      const logprobs = b.logprobs === true ? num(b.top_logprobs, 0) : -1;
      const tokensAsIds = ctx.tokensAsIds || b.return_tokens_as_token_ids === true;
      const continueFinal = lastIsAssistant && (b.continue_final_message === true || ctx.flavor === 'llama.cpp');
      return {
        prompt: renderChat(messages, continueFinal, b.tools),
        sampling: sampling(b, {}, logprobs, num(b.max_completion_tokens ?? b.max_tokens, 256)),
        stream: b.stream === true,
        format: chatFormat({ ...ctx, tokensAsIds }, logprobs >= 0, toolCall),
      };
    }
    case '/completion': {
      const logprobs = num(b.n_probs, 0) > 0 ? num(b.n_probs, 0) : -1;
      const s = sampling(b, { temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05 }, logprobs, num(b.n_predict, -1));
      return { prompt: String(b.prompt ?? ''), sampling: s, stream: b.stream === true, format: llamaCppFormat(ctx, logprobs >= 0) };
    }
    case '/api/generate':
    case '/api/chat': {
      const chat = path === '/api/chat';
      const o = (typeof b.options === 'object' && b.options !== null ? b.options : {}) as Json;
      const logprobs = b.logprobs === true ? num(b.top_logprobs, 0) : -1;
      const s = sampling(o, { temperature: 0.8, topK: 40, topP: 0.9, repetitionPenalty: 1.1 }, logprobs, num(o.num_predict, -1));
      const prompt = chat ? renderChat(messages, false, b.tools) : String(b.prompt ?? '');
      return { prompt, sampling: s, stream: b.stream !== false, format: ollamaFormat(ctx, chat, logprobs >= 0) };
    }
    default:
      return null;
  }
}

/** A completions answer echoing the prompt with its log-probabilities (see the header: echo, prompt_logprobs). */
async function scorePrompt(ctx: Ctx, prompt: string, logprobs: number, promptLogprobs: number): Promise<Json> {
  const { model } = ctx;
  const ids = model.tokenizer.encode(prompt);
  const name = (id: number) => (ctx.tokensAsIds ? `token_id:${id}` : textOf(model, id));
  const tokenLogprobs: (number | null)[] = [null];
  const tops: (Json | null)[] = [null];
  const promptLps: (Json | null)[] = [null];
  for (let i = 1; i < ids.length; i++) {
    const lp = logSoftmax(await model.logits(ids.slice(0, i)));
    const own = lp[ids[i]];
    const order = [...lp.keys()].sort((a, b) => lp[b] - lp[a]);
    const rank = (id: number) => 1 + lp.filter((v) => v > lp[id]).length;
    tokenLogprobs.push(own);
    const top = logprobs > 0 ? order.slice(0, logprobs) : [];
    const listed = ctx.flavor === 'vllm' && !top.includes(ids[i]) ? [...top, ids[i]] : top;
    tops.push(logprobs >= 0 ? Object.fromEntries(listed.map((id) => [name(id), lp[id]])) : null);
    if (promptLogprobs >= 0) {
      const entries = [...order.slice(0, promptLogprobs), ...(order.slice(0, promptLogprobs).includes(ids[i]) ? [] : [ids[i]])];
      promptLps.push(Object.fromEntries(entries.map((id) => [String(id), { logprob: lp[id], rank: rank(id), decoded_token: textOf(model, id) }])));
    }
  }
  const offsets: number[] = [];
  let offset = 0;
  for (const id of ids) {
    offsets.push(offset);
    offset += name(id).length;
  }
  const lps = logprobs >= 0 ? { tokens: ids.map(name), token_logprobs: tokenLogprobs, top_logprobs: tops, text_offset: offsets } : null;
  return {
    id: 'cmpl-test',
    object: 'text_completion',
    created: ctx.created,
    model: ctx.modelId,
    choices: [{ index: 0, text: prompt, logprobs: lps, finish_reason: 'length', ...(promptLogprobs >= 0 && { prompt_logprobs: promptLps }) }],
    usage: { prompt_tokens: ids.length, completion_tokens: 0, total_tokens: ids.length },
  };
}

// ---------------------------------------------------------------- the server

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  // a wildcard does not cover Authorization: it must be named
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept',
  'Access-Control-Expose-Headers': 'Retry-After',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const model = await servedModel();
  const flavor = options.flavor ?? 'vllm';
  const vllmVersion = options.vllmVersion ?? '0.11.0';
  const [minor, patch] = vllmVersion.split('.').slice(1).map(Number);
  const guidedFields = flavor === 'vllm' && vllmVersion.startsWith('0.') && (minor < 10 || (minor === 10 && patch < 2));
  const modelId = options.modelId ?? EMBEDDED_MODEL;
  const requests: RecordedRequest[] = [];
  let fault: ServerFault = 'none';
  let faultOptions: FaultOptions = {};
  const ctx: Ctx = { model, flavor, modelId, tokensAsIds: options.tokensAsIds ?? false, created: Math.floor(Date.now() / 1000) };

  const handle = async (req: IncomingMessage, res: ServerResponse, record: RecordedRequest) => {
    const headers = fault === 'cors-refused' ? {} : CORS;
    const json = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'application/json', ...extra }).end(JSON.stringify(body));
    };
    const error = (status: number, message: string, extra: Record<string, string> = {}) =>
      json(status, flavor === 'ollama' ? { error: message } : { error: { message, type: 'invalid_request_error', code: status } }, extra);
    if (req.method === 'OPTIONS') {
      res.writeHead(fault === 'cors-refused' ? 403 : 204, headers).end();
      return;
    }
    const given = req.headers.authorization ?? '';
    if (fault === 'unauthorized' || (options.apiKey && given !== `Bearer ${options.apiKey}`)) {
      return error(401, `Incorrect API key provided: ${given.replace(/^Bearer /, '') || '(none)'}.`);
    }
    if (fault === 'forbidden') return error(403, 'This key may not use this model.');
    if (fault === 'rate-limited') return error(429, 'Rate limit reached: slow down.', { 'Retry-After': String(faultOptions.retryAfterSeconds ?? 7) });

    if (req.method === 'GET' && record.path === '/v1/models') {
      const card: Json = { id: modelId, object: 'model', created: ctx.created };
      if (flavor === 'vllm') Object.assign(card, { owned_by: 'vllm', root: modelId, parent: null, max_model_len: model.contextWindow });
      else if (flavor === 'llama.cpp') Object.assign(card, { owned_by: 'llamacpp', meta: { n_vocab: model.bytes.length, n_ctx_train: model.contextWindow } });
      else Object.assign(card, { owned_by: flavor === 'ollama' ? 'library' : 'system' });
      return json(200, { object: 'list', data: [card] });
    }
    if (req.method === 'GET' && record.path === '/api/version' && flavor === 'ollama') return json(200, { version: '0.12.11' });
    if (req.method === 'GET' && record.path === '/version' && flavor === 'vllm') return json(200, { version: vllmVersion });

    const body = (record.body ?? {}) as Json;
    const asked = req.method === 'POST' ? readEndpoint(ctx, record.path, body) : null;
    if (!asked) return error(404, `No route for ${req.method} ${record.path}.`);
    const requested = record.path === '/completion' ? modelId : body.model;
    if (requested !== modelId) {
      return flavor === 'ollama' ? error(404, `model "${String(requested)}" not found, try pulling it first`) : error(404, `The model \`${String(requested)}\` does not exist.`);
    }
    if (fault === 'reject-logprobs' && asked.sampling.logprobs >= 0) return error(400, 'logprobs are not supported by this server.');
    if (record.path === '/v1/completions' && (flavor === 'vllm' || flavor === 'openai') && (body.echo === true || (flavor === 'vllm' && body.prompt_logprobs != null))) {
      if (body.stream === true) return error(400, 'This test server scores prompts (echo, prompt_logprobs) only without stream.');
      if (num(body.max_tokens, 16) !== 0) return error(400, 'This test server echoes a prompt only with max_tokens 0.');
      return json(200, await scorePrompt(ctx, String(body.prompt ?? ''), asked.sampling.logprobs, flavor === 'vllm' ? num(body.prompt_logprobs, -1) : -1));
    }
    const structured = readStructuredRequest(flavor, record.path, body, guidedFields);
    if ('error' in structured) return error(400, structured.error);
    const filter = structured.output ? await (await model.structured()).filter(structured.output) : null;
    if (filter && 'error' in filter) return error(400, filter.error);
    try {
      // a server that ignores the request for log-probabilities answers as if none were asked
      const endpoint = readEndpoint(ctx, record.path, fault === 'no-logprobs' ? { ...body, logprobs: undefined, n_probs: 0 } : body, structured.toolCall)!;
      let gone = false;
      res.on('close', () => {
        if (!res.writableFinished) {
          gone = true;
          record.aborted = true;
        }
      });
      if (fault === 'slow-first-byte') {
        await sleep(faultOptions.firstByteDelayMs ?? 5_000);
        if (gone) return;
      }
      const { format: fmt, sampling } = endpoint;
      const promptIds = model.tokenizer.encode(endpoint.prompt);
      const tokens: { t: Generated; text: string; offset: number }[] = [];
      let offset = endpoint.prompt.length;
      /** resolves once the events are handed to the socket */
      const write = (events: Json[]) =>
        new Promise<void>((flushed) => res.write(events.map((e) => (fmt.ndjson ? `${JSON.stringify(e)}\n` : `data: ${JSON.stringify(e)}\n\n`)).join(''), () => flushed()));
      if (endpoint.stream) res.writeHead(200, { ...headers, 'Content-Type': fmt.contentType(true), 'Cache-Control': 'no-cache' });
      const steps = generate(model, promptIds, sampling, () => gone, filter);
      let next = await steps.next();
      while (!next.done) {
        const t = next.value;
        const text = textOf(model, t.id);
        tokens.push({ t, text, offset });
        offset += text.length;
        if (endpoint.stream) {
          await write(fmt.token(t, text, offset - text.length));
          if (fault === 'cut-stream' && tokens.length >= (faultOptions.cutAfterTokens ?? 2)) {
            // a connection reset mid-stream, after the tokens so far have left
            await sleep(20);
            res.destroy();
            return;
          }
          if (fault === 'malformed-sse') {
            res.end('<html><body>502 Bad Gateway</body></html>\n\n');
            return;
          }
          if (fault === 'malformed-json') {
            res.end(fmt.ndjson ? '{"response": "x", \n' : 'data: {"choices": [{"text": \n\n');
            return;
          }
          if (fault === 'oversized') {
            res.end(fmt.ndjson ? `{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}\n` : `data: {"pad":"${'x'.repeat(2 * 1024 * 1024)}"}\n\n`);
            return;
          }
        }
        next = await steps.next();
      }
      if (gone) return;
      const usage = { prompt: promptIds.length, completion: tokens.length };
      if (!endpoint.stream) return json(200, fmt.whole(tokens, next.value, usage));
      await write(fmt.finish(next.value, usage));
      res.end(fmt.done ? 'data: [DONE]\n\n' : '');
    } finally {
      filter?.dispose();
    }
  };

  const server: Server = createServer((req, res) => {
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0],
      origin: req.headers.origin ?? null,
      authorization: req.headers.authorization ?? null,
      body: null,
      aborted: false,
    };
    requests.push(record);
    readBody(req)
      .then((text) => {
        try {
          record.body = text ? JSON.parse(text) : null;
        } catch {
          record.body = text;
        }
        return handle(req, res, record);
      })
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { ...CORS, 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: String(err) } }));
        else res.destroy();
      });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    modelId,
    requests,
    fault(kind, opts = {}) {
      fault = kind;
      faultOptions = opts;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
