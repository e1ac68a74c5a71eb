/**
 * A model behind an OpenAI-compatible HTTP server (vLLM, llama.cpp's llama-server, Ollama, OpenAI) as a
 * NextTokenBackend with a 'partial' vocabulary: each step is the top N log-probabilities the server streamed for
 * the token it picked, plus the mass of all others (1 − Σp).
 *
 * A sequence is one streaming request, not one request per token: the first `next` asks the server for up to
 * `maxNewTokens` tokens with the user's sampling settings, and each `next` hands out the next streamed token with
 * `chosenId` = the server's pick. When the context the loop passes stops matching what was streamed (the user picked
 * another token: a branch), the stream is aborted and a new request continues from the prompt plus the chosen prefix
 * (completions; chat only where the server continues an assistant message). Stop aborts the HTTP request at once.
 *
 * Token ids are this backend's own numbering of the token texts it met (vocabulary.ts); the model's ids, where the
 * server sent them, ride along (`tokenizer.modelTokenId`). There is no `scorePositions` (servers give only the top N
 * of each position); where the server can score a given text (vLLM; an OpenAI-compatible completions server with
 * `echo`), `scorePrompt` asks it to, and the Analyse lab shows that partial analysis (see analyse.ts `analysePrompt`).
 */
import type { Conversation } from '../../chat/types';
import type { ModelInfo } from '../../generation/types';
import type { ConstraintSpec } from '../../grammar/types';
import { EngineFailure } from '../../handlers';
import { messageOf } from '../../protocol';
import type { PromptInput } from '../../protocol';
import type { SamplingSettings } from '../../sampling/types';
import { DEFAULT_SAMPLING } from '../../sampling/types';
import { untilAborted } from '../abort';
import type { BackendTokenizer, DecodeSequence, NextTokenBackend, PromptScores, PromptTokenScore, SequenceEnd, SequenceOptions, SequenceStep, TokenLogprob } from '../types';
import { streamValues } from './events';
import { fetchJson, normaliseBaseUrl, redact, serverFetch, type Endpoint } from './http';
import { buildRequest, canScorePrompt, distributionNote, promptScoreRequest, topLogprobsFor, unsupportedSettings, type GenerationInput } from './requests';
import { serverName, type ServerApi, type ServerBackendInfo, type ServerFlavor, type ServerModel } from './types';
import { TokenTable } from './vocabulary';
import { parsePromptScores, type WireCandidate, type WireFinish, type WireToken } from './wire';

/** A server whose model list was read: where it is, what it is, what it serves. */
export interface ServerConnection extends Endpoint {
  flavor: ServerFlavor;
  models: ServerModel[];
  /** the server's version where it says (vLLM) */
  version?: string;
}

/** Tokens a sequence asks for when the loop did not say (the benchmark's bare loop). */
const DEFAULT_MAX_TOKENS = 256;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(v: unknown): number | null {
  return Number.isInteger(v) && (v as number) > 0 ? (v as number) : null;
}

/** The models of an OpenAI-style list (`data[]`; llama.cpp also sends `models[]`), and what they say of the server. */
function readModelList(json: unknown, url: string): { models: ServerModel[]; flavor: ServerFlavor | null } {
  const list = isObject(json) ? (Array.isArray(json.data) ? json.data : Array.isArray(json.models) ? json.models : null) : null;
  if (!list) throw new EngineFailure(`The answer at ${url} is not a model list (no "data" array). Check the base URL: it should be the OpenAI-compatible API, usually ending in /v1.`);
  let flavor: ServerFlavor | null = null;
  const models: ServerModel[] = [];
  for (const m of list) {
    if (!isObject(m)) continue;
    const id = typeof m.id === 'string' ? m.id : typeof m.model === 'string' ? m.model : typeof m.name === 'string' ? m.name : null;
    if (!id) continue;
    if (m.owned_by === 'vllm' || 'max_model_len' in m) flavor = 'vllm';
    else if (m.owned_by === 'llamacpp' || isObject(m.meta)) flavor ??= 'llama.cpp';
    models.push({ id, contextWindow: positiveInt(m.max_model_len) });
  }
  return { models, flavor };
}

/** Whether the server answers Ollama's `GET /api/version` (its OpenAI list does not say it is Ollama). */
/** vLLM's version (`GET /version` at the server's root), or undefined where it does not say. */
async function vllmVersion(endpoint: Endpoint, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const json = await fetchJson(endpoint, `${endpoint.baseUrl.replace(/\/v1$/, '')}/version`, { kind: 'models' }, signal);
    return isObject(json) && typeof json.version === 'string' ? json.version : undefined;
  } catch (err) {
    if (signal?.aborted) throw err;
    return undefined;
  }
}

async function isOllama(endpoint: Endpoint, signal?: AbortSignal): Promise<boolean> {
  try {
    const json = await fetchJson(endpoint, `${endpoint.baseUrl.replace(/\/v1$/, '')}/api/version`, { kind: 'models' }, signal);
    return isObject(json) && typeof json.version === 'string';
  } catch (err) {
    if (signal?.aborted) throw err;
    return false;
  }
}

/**
 * Reads the server's model list (`GET {base}/models`) and recognises the server. Sends nothing else, and nothing
 * before it is called (the user pressed Connect). A base URL without /v1 is tried with it when the list is not there.
 */
export async function connectServer(baseUrlInput: string, apiKey?: string, signal?: AbortSignal): Promise<ServerConnection> {
  const { baseUrl, origin } = normaliseBaseUrl(baseUrlInput);
  let endpoint: Endpoint = { baseUrl, origin, apiKey: apiKey || undefined };
  let json: unknown;
  try {
    json = await fetchJson(endpoint, `${baseUrl}/models`, { kind: 'models' }, signal);
  } catch (err) {
    if (signal?.aborted || baseUrl.endsWith('/v1') || !(err instanceof EngineFailure) || !err.message.includes('(404)')) throw err;
    const withV1: Endpoint = { ...endpoint, baseUrl: `${baseUrl}/v1` };
    json = await fetchJson(withV1, `${withV1.baseUrl}/models`, { kind: 'models' }, signal).catch(() => {
      throw err;
    });
    endpoint = withV1;
  }
  const { models, flavor } = readModelList(json, `${endpoint.baseUrl}/models`);
  const recognised = flavor ?? ((await isOllama(endpoint, signal)) ? 'ollama' : 'openai');
  const version = recognised === 'vllm' ? await vllmVersion(endpoint, signal) : undefined;
  return { ...endpoint, flavor: recognised, models, ...(version ? { version } : {}) };
}

/** The server seed of a run: the user's seed for run 0, a different one for each run of "run N times". */
function requestSeed(seed: number, stream: number): number {
  return stream === 0 ? seed : (seed + Math.imul(stream, 0x9e3779b1)) >>> 1;
}

/** A conversation as one readable text: the synthetic prompt token's text of a chat run. */
function conversationText(conversation: Conversation): string {
  const lines = conversation.messages.map((m) => {
    const calls = m.tool_calls?.map((c) => ` → ${c.function.name}(${c.function.arguments})`).join('') ?? '';
    return `${m.role}: ${m.content ?? ''}${calls}`;
  });
  if (conversation.tools.length > 0) lines.unshift(`tools: ${conversation.tools.map((t) => t.function.name).join(', ')}`);
  return lines.join('\n');
}

/**
 * One streaming request: it reads the server's tokens into a queue as they come, and hands them out in order. It
 * knows the context it continued (`base`) and the tokens it handed out, so the sequence can tell whether a context
 * still follows it.
 */
class StreamRun {
  /** the context this request continues (a copy: the loop's array grows) */
  private readonly base: readonly number[];
  private readonly queue: { step: SequenceStep; chosenId: number }[] = [];
  private readonly handedOut: number[] = [];
  private received = 0;
  private end: SequenceEnd | null = null;
  private failure: unknown = null;
  private wake: (() => void) | null = null;
  private sawId: boolean | null = null;
  private readonly controller = new AbortController();
  /** settles when the request is over (finished, failed or aborted) */
  readonly settled: Promise<void>;

  constructor(
    context: readonly number[],
    private readonly maxTokens: number,
    private readonly table: TokenTable,
    endpoint: Endpoint,
    modelId: string,
    request: ReturnType<typeof buildRequest>,
  ) {
    this.base = [...context];
    this.settled = this.read(endpoint, modelId, request).then(
      (end) => {
        this.end = end;
      },
      (err) => {
        if (this.controller.signal.aborted) this.end = { end: 'interrupted', message: 'The request was cancelled.' };
        else this.failure = err instanceof EngineFailure ? err : new EngineFailure(redact(`The request to the server failed: ${messageOf(err)}`, endpoint.apiKey));
      },
    );
    void this.settled.finally(() => this.notify());
  }

  /** Whether `context` is this run's context followed by exactly the tokens it handed out. */
  continues(context: readonly number[]): boolean {
    if (context.length !== this.base.length + this.handedOut.length) return false;
    for (let i = 0; i < this.base.length; i++) if (context[i] !== this.base[i]) return false;
    for (let i = 0; i < this.handedOut.length; i++) if (context[this.base.length + i] !== this.handedOut[i]) return false;
    return true;
  }

  /** The next streamed token, or how the stream ended. */
  async take(): Promise<SequenceStep | SequenceEnd> {
    for (;;) {
      const item = this.queue.shift();
      if (item) {
        this.handedOut.push(item.chosenId);
        return item.step;
      }
      if (this.failure) throw this.failure;
      if (this.end) return this.end;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Ends the HTTP request now (the server sees the connection close). */
  abort(): void {
    this.controller.abort();
  }

  /** Whether the first token came with the model's id (null before any token): the probe's question. */
  get firstTokenHadId(): boolean | null {
    return this.sawId;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private push(token: WireToken): void {
    this.sawId ??= token.chosen.id !== null;
    const chosenId = this.table.intern(token.chosen);
    const logprobs = new Map<number, number>();
    for (const c of token.top) {
      const id = this.table.intern(c);
      if (!logprobs.has(id)) logprobs.set(id, c.logprob);
    }
    // the server's pick is a known token even when it is outside the top N it listed
    if (!logprobs.has(chosenId)) logprobs.set(chosenId, token.chosen.logprob);
    const top: TokenLogprob[] = [];
    let mass = 0;
    for (const [id, logprob] of logprobs) {
      top.push({ id, logprob });
      mass += Math.exp(logprob);
    }
    const inputTokens = this.received === 0 ? this.base.length : 1;
    this.received++;
    this.queue.push({ step: { scores: { vocabulary: 'partial', top, otherMass: Math.max(0, 1 - mass), chosenId }, inputTokens }, chosenId });
    this.notify();
  }

  private async read(endpoint: Endpoint, modelId: string, request: ReturnType<typeof buildRequest>): Promise<SequenceEnd> {
    const response = await serverFetch(endpoint, request.url, { method: 'POST', body: request.body, signal: this.controller.signal }, { kind: 'generate', modelId });
    const values = streamValues(response, request.format);
    let finish: WireFinish | null = null;
    let next = await values.next();
    while (!next.done) {
      const chunk = request.parse(next.value);
      if (chunk.error) throw new EngineFailure(redact(`The server reported an error during generation: ${chunk.error}`, endpoint.apiKey));
      if (chunk.tokens.length === 0 && chunk.text !== '') {
        throw new EngineFailure(
          'The server sent text without log-probabilities: it ignores the request for them. NextToken needs them to show each step; use a server that returns them (vLLM, llama.cpp\'s llama-server, Ollama 0.12.11 or later, OpenAI).',
        );
      }
      for (const token of chunk.tokens) this.push(token);
      finish = chunk.finish ?? finish;
      next = await values.next();
    }
    if (this.controller.signal.aborted) return { end: 'interrupted', message: 'The request was cancelled.' };
    if (finish === 'stop') return { end: 'eos' };
    // 'length' before the tokens asked for: the server's window is full (at the count asked, the loop stops first)
    if (finish === 'length') return this.received < this.maxTokens ? { end: 'context-full' } : { end: 'eos' };
    const ended = next.value;
    if (ended.kind === 'done') return { end: 'eos' };
    const why = ended.kind === 'broken' ? `the connection failed: ${messageOf(ended.error)}` : 'the connection closed';
    return {
      end: 'interrupted',
      message: `The server's stream stopped after ${this.received} token${this.received === 1 ? '' : 's'} without finishing (${why}). The tokens received are kept.`,
    };
  }
}

/** One context on the server: a stream per unbroken stretch of tokens, restarted after a branch. */
class ServerSequence implements DecodeSequence {
  private run: StreamRun | null = null;
  private firstLength = -1;

  constructor(
    private readonly backend: ServerBackend,
    private readonly options: SequenceOptions,
  ) {}

  async next(context: readonly number[], signal?: AbortSignal): Promise<SequenceStep | SequenceEnd> {
    signal?.throwIfAborted();
    if (this.firstLength < 0) this.firstLength = context.length;
    if (!this.run?.continues(context)) {
      this.run?.abort();
      const generated = context.length - this.firstLength;
      const maxTokens = Math.max(1, (this.options.maxNewTokens ?? DEFAULT_MAX_TOKENS) - generated);
      const { settings = DEFAULT_SAMPLING, stream = 0, constraint = null } = this.options;
      this.run = this.backend.startRun(context, { maxTokens, settings, stream, constraint });
    }
    const run = this.run;
    const stop = () => run.abort();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      return await untilAborted(run.take(), signal);
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }

  async dispose(): Promise<void> {
    const run = this.run;
    this.run = null;
    run?.abort();
    await run?.settled;
  }
}

/** What one streaming request generates: how many tokens, sampled how, under which constraint. */
interface RunOptions {
  maxTokens: number;
  settings: SamplingSettings;
  /** the run's RNG stream: the server seed derives from it */
  stream: number;
  constraint: ConstraintSpec | null;
}

export interface OpenServerOptions {
  connection: ServerConnection;
  modelId: string;
  api: ServerApi;
}

export class ServerBackend implements NextTokenBackend {
  readonly vocabulary = 'partial';
  readonly tokenizer: BackendTokenizer;
  private readonly table = new TokenTable();
  private topLogprobs: number;
  private modelTokenIds: ServerBackendInfo['modelTokenIds'] = 'none';
  private readonly contextWindow: number | null;
  /** Present where the server can score a given text (see canScorePrompt). */
  readonly scorePrompt: ((text: string, signal?: AbortSignal) => Promise<PromptScores>) | undefined;

  constructor(
    private readonly connection: ServerConnection,
    readonly modelId: string,
    readonly api: ServerApi,
  ) {
    this.contextWindow = connection.models.find((m) => m.id === modelId)?.contextWindow ?? null;
    this.topLogprobs = topLogprobsFor(connection.flavor, api);
    this.tokenizer = {
      encode: (text) => [this.table.prompt(text)],
      decode: (ids) => this.table.decode(ids),
      modelTokenId: (id) => this.table.modelId(id),
    };
    this.scorePrompt = canScorePrompt(connection.flavor, api) ? (text, signal) => this.score(text, signal) : undefined;
  }

  /**
   * `text` scored as a prompt in one non-streamed request (requests.ts promptScoreRequest). The server tokenizes it
   * itself and may put a BOS before it: a first token with no log-probability whose text does not begin the text is
   * that BOS, and is left out (`prefixed`). Ranks: the server's where it gave them (vLLM), else 1 + the reported
   * tokens more likely than this one while fewer than N are, else null (beyond the top N).
   */
  private async score(text: string, signal?: AbortSignal): Promise<PromptScores> {
    const n = this.topLogprobs;
    const { url, body } = promptScoreRequest(this.connection.flavor, this.connection.baseUrl, this.modelId, text, n);
    let json: unknown;
    try {
      json = await fetchJson(this.connection, url, { kind: 'generate', modelId: this.modelId }, signal, body);
    } catch (err) {
      if (signal?.aborted || !(err instanceof EngineFailure)) throw err;
      throw new EngineFailure(`The server could not score the text: ${err.message}`);
    }
    const parsed = parsePromptScores(json);
    if (parsed.error) throw new EngineFailure(redact(`The server reported an error while scoring the text: ${parsed.error}`, this.connection.apiKey));
    if (parsed.tokens.length === 0) {
      throw new EngineFailure(
        'The server answered without the log-probabilities of the text (no echoed tokens): it ignores `echo` with `logprobs`. Analysing with a server needs one that returns them: vLLM, or an OpenAI-compatible completions server that echoes the prompt with logprobs.',
      );
    }
    let wire = parsed.tokens;
    const textBytes = new TextEncoder().encode(text);
    const first = wire[0].chosen;
    if (wire.length > 1 && Number.isNaN(first.logprob) && !startsWith(textBytes, candidateBytes(first))) wire = wire.slice(1);
    const tokens = wire.map((t): PromptTokenScore => {
      const id = this.table.intern(t.chosen);
      const byId = new Map<number, number>();
      for (const c of t.top) {
        const cid = this.table.intern(c);
        if (!byId.has(cid)) byId.set(cid, c.logprob);
      }
      const top = [...byId].map(([tid, logprob]) => ({ id: tid, logprob })).sort((a, b) => b.logprob - a.logprob).slice(0, n);
      const logprob = Number.isNaN(t.chosen.logprob) ? null : t.chosen.logprob;
      let rank = logprob === null ? null : t.rank;
      if (logprob !== null && rank === null) {
        const greater = [...byId].filter(([tid, lp]) => tid !== id && lp > logprob).length;
        rank = greater < n ? greater + 1 : null;
      }
      return { id, text: this.table.decode([id]), logprob, rank, top };
    });
    return { tokens, topN: n, prefixed: wire !== parsed.tokens };
  }

  get info(): ModelInfo {
    const { flavor, origin, baseUrl, version } = this.connection;
    return {
      modelId: this.modelId,
      device: 'server',
      dtype: 'unknown',
      architecture: flavor,
      vocabSize: this.table.size,
      contextWindow: this.contextWindow ?? Number.MAX_SAFE_INTEGER,
      eosTokenIds: [],
      bosTokenId: null,
      numLayers: 0,
      server: {
        origin,
        baseUrl,
        api: this.api,
        flavor,
        ...(version ? { version } : {}),
        modelTokenIds: this.modelTokenIds,
        distribution: 'model',
        distributionNote: distributionNote(flavor),
        topLogprobs: this.topLogprobs,
        contextWindow: this.contextWindow,
        unsupportedSettings: unsupportedSettings(flavor),
      },
    };
  }

  /**
   * The prompt as ids: one synthetic id for the text (completions), or for the conversation (chat: `conversation`,
   * else the text as one user message). Ids from an earlier run pass through when this backend handed them out.
   */
  promptIds(prompt: PromptInput, conversation?: Conversation): number[] {
    if ('ids' in prompt) {
      const bad = prompt.ids.find((id) => !Number.isInteger(id) || id < 0 || id >= this.table.size);
      if (bad !== undefined) throw new EngineFailure(`Token id ${bad} does not belong to this server's tokens: send the prompt as text.`);
      return prompt.ids;
    }
    if (this.api === 'completions') return [this.table.prompt(prompt.text)];
    const chat = conversation ?? { messages: [{ role: 'user' as const, content: prompt.text }], tools: [] };
    return [this.table.prompt(conversationText(chat), chat)];
  }

  openSequence(options: SequenceOptions): DecodeSequence {
    return new ServerSequence(this, options);
  }

  /**
   * One streaming request continuing `context` (the sequence's part; the probe's with its own table). A constraint
   * goes to the server as its own option, and only from the prompt: a server constrains the text it generates from
   * its start, so after tokens picked here (a branch) it would start the constraint over mid-document.
   */
  startRun(context: readonly number[], run: RunOptions, table = this.table): StreamRun {
    const { maxTokens, settings, stream, constraint } = run;
    if (constraint && constraint.kind !== 'none' && context.length > 1) {
      throw new EngineFailure(
        `${serverName(this.connection.flavor)} enforces a constraint from the start of the text it generates, so it cannot continue a constrained text after a token picked here (it would start the constraint over). Pick tokens under a constraint with the local model, or set the constraint to None.`,
      );
    }
    let input: GenerationInput;
    try {
      const conversation = this.api === 'chat' ? (table.messages(context[0]) ?? null) : null;
      input = {
        prompt: this.api === 'completions' || !conversation ? table.exactText(this.api === 'chat' ? context.slice(0, 1) : context) : '',
        conversation,
        assistantPrefix: this.api === 'chat' && context.length > 1 ? table.exactText(context.slice(1)) : '',
        maxTokens,
        settings,
        seed: requestSeed(settings.seed, stream),
        topLogprobs: this.topLogprobs,
        constraint,
      };
    } catch (err) {
      throw err instanceof EngineFailure ? err : new EngineFailure(messageOf(err));
    }
    const request = buildRequest(this.connection.flavor, this.api, this.connection.baseUrl, this.modelId, input, this.connection.version);
    return new StreamRun(context, maxTokens, table, this.connection, this.modelId, request);
  }

  /**
   * One token, greedy, from a short prompt, through the same path as a generation: the server must answer with
   * log-probabilities (a refusal of 20 is retried with 5), and its first token says whether it sends the model's ids.
   */
  async probe(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const table = new TokenTable();
      const prompt = this.api === 'chat' ? table.prompt('Hello', { messages: [{ role: 'user', content: 'Hello' }], tools: [] }) : table.prompt('Hello');
      const run = this.startRun([prompt], { maxTokens: 1, settings: { ...DEFAULT_SAMPLING, temperature: 0 }, stream: 0, constraint: null }, table);
      const stop = () => run.abort();
      signal?.addEventListener('abort', stop, { once: true });
      try {
        const first = await untilAborted(run.take(), signal);
        if ('end' in first && first.end === 'interrupted') throw new EngineFailure(first.message ?? 'The server stopped answering.');
        this.modelTokenIds = run.firstTokenHadId ? 'model' : 'none';
        return;
      } catch (err) {
        if (!signal?.aborted && err instanceof EngineFailure && /log-probabilities \(4\d\d/.test(err.message) && this.topLogprobs > 5) {
          this.topLogprobs = 5;
          continue;
        }
        throw err;
      } finally {
        signal?.removeEventListener('abort', stop);
        run.abort();
        await run.settled;
      }
    }
  }

  async dispose(): Promise<void> {}
}

/** A candidate's bytes: given, else those of its text (empty when only its id is known). */
function candidateBytes(c: WireCandidate): Uint8Array {
  return c.bytes ? Uint8Array.from(c.bytes) : new TextEncoder().encode(c.text ?? '');
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length === 0 || prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** A backend for one model of a connected server, checked with one short request. */
export async function openServerBackend({ connection, modelId, api }: OpenServerOptions, signal?: AbortSignal): Promise<ServerBackend> {
  const backend = new ServerBackend(connection, modelId, api);
  await backend.probe(signal);
  return backend;
}
