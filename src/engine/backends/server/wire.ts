/**
 * The log-probability wire formats of the servers, parsed into one shape. Pure functions over one decoded JSON
 * chunk (a streamed event or a whole non-streamed answer); they never throw on a field they do not know, and
 * ignore candidates whose numbers are missing. Checked against example answers published by each project
 * (fixtures/), and against the test server running the real model.
 *
 * - OpenAI chat (`choices[].logprobs.content[]`: `token`, `logprob`, `bytes`, `top_logprobs[]`), also what
 *   llama.cpp's and Ollama's OpenAI endpoints send (llama.cpp adds the token `id`), for chat and completions alike;
 * - OpenAI legacy completions (`logprobs.tokens[]`, `token_logprobs[]`, `top_logprobs[]` as text → logprob objects,
 *   `text_offset[]`), as vLLM sends it; OpenAI writes a token that is part of a character as "bytes:\xe4\xb9";
 * - llama.cpp's native `/completion` (`completion_probabilities[]` with `id`, `token`, `bytes`, `logprob`,
 *   `top_logprobs[]`; or `prob` / `top_probs[]` when asked for post-sampling probabilities);
 * - Ollama's `/api/generate` and `/api/chat` (`logprobs[]` with `token`, `logprob`, `bytes`, `top_logprobs[]`).
 *
 * vLLM started with `--return-tokens-as-token-ids` (or asked with `return_tokens_as_token_ids`) writes every token
 * as "token_id:123": the id is then known and the text is not.
 */

/** One token as a server reports it. */
export interface WireCandidate {
  /** its text as the server wrote it; null when the server gave only an id */
  text: string | null;
  /** its UTF-8 bytes where the server gave them (they join characters split over tokens exactly) */
  bytes: number[] | null;
  /** the model's own token id where the server gave it */
  id: number | null;
  /** natural log of its probability */
  logprob: number;
}

/** One generated token: the one the server took, and the most likely ones at its position. */
export interface WireToken {
  chosen: WireCandidate;
  top: WireCandidate[];
}

/** How a generation ended, as the server says it: 'stop' (end of text, a stop word, a tool call) or 'length'. */
export type WireFinish = 'stop' | 'length';

export interface WireChunk {
  tokens: WireToken[];
  /** the text this chunk adds (to notice text that came without log-probabilities) */
  text: string;
  finish: WireFinish | null;
  /** an error the server reported in the stream itself */
  error: string | null;
  /** the probabilities are after the server's sampling (llama.cpp's `post_sampling_probs`) */
  afterSampling: boolean;
}

type Json = Record<string, unknown>;

const TOKEN_ID = /^token_id:(\d+)$/;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finiteNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function byteArray(v: unknown): number[] | null {
  if (!Array.isArray(v)) return null;
  for (const b of v) if (!Number.isInteger(b) || b < 0 || b > 255) return null;
  return v as number[];
}

function tokenId(v: unknown): number | null {
  return Number.isInteger(v) && (v as number) >= 0 ? (v as number) : null;
}

/**
 * The bytes of a token OpenAI's legacy completions write as "bytes:\xe4\xb9" (part of a character: a Python bytes
 * literal, printable ASCII as itself, other bytes as \xNN); null for any other text.
 */
function bytesToken(token: string): number[] | null {
  if (!token.startsWith('bytes:')) return null;
  const out: number[] = [];
  for (let i = 6; i < token.length; i++) {
    const hex = token[i] === '\\' && token[i + 1] === 'x' ? /^[0-9a-fA-F]{2}$/.exec(token.slice(i + 2, i + 4)) : null;
    if (hex) {
      out.push(parseInt(hex[0], 16));
      i += 3;
    } else if (token.charCodeAt(i) < 128) out.push(token.charCodeAt(i));
    else return null;
  }
  return out.length > 0 ? out : null;
}

/** A candidate from its text as written on the wire: "token_id:123" is an id without text, "bytes:\x.." raw bytes. */
function fromText(token: string, logprob: number): WireCandidate {
  const m = TOKEN_ID.exec(token);
  if (m) return { text: null, bytes: null, id: Number(m[1]), logprob };
  return { text: token, bytes: bytesToken(token), id: null, logprob };
}

/** `{ token, logprob | prob, bytes?, id? }`, the entry shape of OpenAI chat, llama.cpp and Ollama. */
function entryCandidate(entry: unknown): WireCandidate | null {
  if (!isObject(entry) || typeof entry.token !== 'string') return null;
  const prob = finiteNumber(entry.prob);
  const logprob = finiteNumber(entry.logprob) ?? (prob !== null ? Math.log(prob) : null);
  if (logprob === null) return null;
  const c = fromText(entry.token, logprob);
  let bytes = byteArray(entry.bytes);
  // with ids as text, vLLM writes the bytes of "token_id:123" for the top candidates (the chosen one's are real)
  if (c.text === null && bytes && String.fromCharCode(...bytes) === entry.token) bytes = null;
  return { ...c, id: tokenId(entry.id) ?? c.id, bytes };
}

function entryToken(entry: unknown): WireToken | null {
  const chosen = entryCandidate(entry);
  if (!chosen || !isObject(entry)) return null;
  const list = Array.isArray(entry.top_logprobs) ? entry.top_logprobs : Array.isArray(entry.top_probs) ? entry.top_probs : [];
  const top = list.map(entryCandidate).filter((c): c is WireCandidate => c !== null);
  return { chosen, top };
}

function entryTokens(list: unknown): WireToken[] {
  return Array.isArray(list) ? list.map(entryToken).filter((t): t is WireToken => t !== null) : [];
}

function errorText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (isObject(v)) {
    if (typeof v.message === 'string') return v.message;
    if (typeof v.error === 'string') return v.error;
  }
  return v === undefined || v === null ? null : JSON.stringify(v);
}

function openAIFinish(reason: unknown): WireFinish | null {
  if (reason === null || reason === undefined) return null;
  return reason === 'length' ? 'length' : 'stop';
}

const empty = (): WireChunk => ({ tokens: [], text: '', finish: null, error: null, afterSampling: false });

/** Chat completions, streamed (`delta`) or not (`message`). */
export function parseChatChunk(json: unknown): WireChunk {
  const out = empty();
  if (!isObject(json)) return out;
  out.error = errorText(json.error);
  const choice = Array.isArray(json.choices) ? json.choices[0] : undefined;
  if (!isObject(choice)) return out;
  const message = isObject(choice.delta) ? choice.delta : isObject(choice.message) ? choice.message : {};
  out.text = typeof message.content === 'string' ? message.content : '';
  if (isObject(choice.logprobs)) out.tokens = entryTokens(choice.logprobs.content);
  out.finish = openAIFinish(choice.finish_reason);
  return out;
}

/** The legacy completions logprobs object: parallel arrays, top candidates as a text → logprob object. */
function legacyTokens(logprobs: Json, choiceText: string): WireToken[] {
  const tokens = Array.isArray(logprobs.tokens) ? logprobs.tokens : [];
  const logps = Array.isArray(logprobs.token_logprobs) ? logprobs.token_logprobs : [];
  const tops = Array.isArray(logprobs.top_logprobs) ? logprobs.top_logprobs : [];
  const out: WireToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const logprob = finiteNumber(logps[i]);
    if (typeof tokens[i] !== 'string' || logprob === null) continue; // an echoed prompt's first token has none
    const chosen = fromText(tokens[i] as string, logprob);
    // a token written as its id: its text is the chunk's text when the chunk holds just this token
    if (chosen.text === null && tokens.length === 1) chosen.text = choiceText;
    const top: WireCandidate[] = [];
    const topObject = tops[i];
    if (isObject(topObject)) {
      for (const [text, lp] of Object.entries(topObject)) {
        const value = finiteNumber(lp);
        if (value !== null) top.push(fromText(text, value));
      }
    }
    out.push({ chosen, top });
  }
  return out;
}

/** Completions (`choices[].text`): the legacy logprobs object, or llama.cpp's / Ollama's `logprobs.content[]`. */
export function parseCompletionChunk(json: unknown): WireChunk {
  const out = empty();
  if (!isObject(json)) return out;
  out.error = errorText(json.error);
  const choice = Array.isArray(json.choices) ? json.choices[0] : undefined;
  if (!isObject(choice)) return out;
  out.text = typeof choice.text === 'string' ? choice.text : '';
  const logprobs = choice.logprobs;
  if (isObject(logprobs)) out.tokens = Array.isArray(logprobs.content) ? entryTokens(logprobs.content) : legacyTokens(logprobs, out.text);
  out.finish = openAIFinish(choice.finish_reason);
  return out;
}

/** llama.cpp's native `/completion`: `content`, `stop`, `stop_type`, `completion_probabilities`. */
export function parseLlamaCppChunk(json: unknown): WireChunk {
  const out = empty();
  if (!isObject(json)) return out;
  out.error = errorText(json.error);
  out.text = typeof json.content === 'string' ? json.content : '';
  const probs = json.completion_probabilities;
  out.tokens = entryTokens(probs);
  out.afterSampling = Array.isArray(probs) && probs.some((p) => isObject(p) && 'top_probs' in p);
  if (json.stop === true) out.finish = json.stop_type === 'limit' ? 'length' : 'stop';
  return out;
}

/** Ollama's `/api/generate` (`response`) and `/api/chat` (`message.content`), one line of its stream. */
export function parseOllamaChunk(json: unknown): WireChunk {
  const out = empty();
  if (!isObject(json)) return out;
  out.error = errorText(json.error);
  out.text = typeof json.response === 'string' ? json.response : isObject(json.message) && typeof json.message.content === 'string' ? json.message.content : '';
  out.tokens = entryTokens(json.logprobs);
  if (json.done === true) out.finish = json.done_reason === 'length' ? 'length' : 'stop';
  return out;
}

/** One token of a prompt the server scored (completions with `echo`; vLLM's `prompt_logprobs`). */
export interface WirePromptToken {
  /** the token (its `logprob` is NaN when the server gave none: the first token) */
  chosen: WireCandidate;
  /** the model's rank of the token (1 = most likely), where the server gave it (vLLM's `prompt_logprobs`) */
  rank: number | null;
  /** the most likely tokens at its position, as the server listed them (any order; may include the token itself) */
  top: WireCandidate[];
}

export interface WirePromptScores {
  tokens: WirePromptToken[];
  error: string | null;
}

/** A `prompt_logprobs` entry: token id (as a JSON key) → `{ logprob, rank, decoded_token }`. */
function promptLogprobEntries(v: unknown): { id: number; logprob: number; rank: number | null; text: string | null }[] | null {
  if (!isObject(v)) return null;
  const out: { id: number; logprob: number; rank: number | null; text: string | null }[] = [];
  for (const [key, value] of Object.entries(v)) {
    const id = /^\d+$/.test(key) ? Number(key) : null;
    const logprob = isObject(value) ? finiteNumber(value.logprob) : null;
    if (id === null || logprob === null || !isObject(value)) continue;
    const rank = Number.isInteger(value.rank) && (value.rank as number) >= 1 ? (value.rank as number) : null;
    out.push({ id, logprob, rank, text: typeof value.decoded_token === 'string' ? value.decoded_token : null });
  }
  return out;
}

/**
 * A non-streamed completions answer to a prompt-scoring request: the echoed prompt's legacy logprobs (`tokens`,
 * `token_logprobs` with null for the first token, `top_logprobs` with null for it), cut to `usage.prompt_tokens`
 * when the server also generated; and, where vLLM sent `choices[0].prompt_logprobs` (a list, null first, of token
 * id → `{ logprob, rank, decoded_token }`, the prompt token itself always among the entries), the model's ids and
 * exact ranks from it: the prompt token's entry is the one whose logprob is the echoed token's (its text breaks a tie).
 */
export function parsePromptScores(json: unknown): WirePromptScores {
  const out: WirePromptScores = { tokens: [], error: null };
  if (!isObject(json)) return out;
  out.error = errorText(json.error);
  const choice = Array.isArray(json.choices) ? json.choices[0] : undefined;
  if (!isObject(choice) || !isObject(choice.logprobs)) return out;
  const lp = choice.logprobs;
  const texts = Array.isArray(lp.tokens) ? lp.tokens : [];
  const logps = Array.isArray(lp.token_logprobs) ? lp.token_logprobs : [];
  const tops = Array.isArray(lp.top_logprobs) ? lp.top_logprobs : [];
  const usage = isObject(json.usage) ? json.usage : {};
  const promptTokens = Number.isInteger(usage.prompt_tokens) ? Math.min(usage.prompt_tokens as number, texts.length) : texts.length;
  const prompt = Array.isArray(choice.prompt_logprobs) ? choice.prompt_logprobs : null;
  for (let i = 0; i < promptTokens; i++) {
    if (typeof texts[i] !== 'string') return { ...out, error: out.error ?? `The server's echoed prompt has no text for token ${i}.` };
    const logprob = finiteNumber(logps[i]);
    const chosen = fromText(texts[i] as string, logprob ?? NaN);
    const top: WireCandidate[] = [];
    if (isObject(tops[i])) {
      for (const [text, value] of Object.entries(tops[i] as Json)) {
        const v = finiteNumber(value);
        if (v !== null) top.push(fromText(text, v));
      }
    }
    const token: WirePromptToken = { chosen, rank: null, top };
    const entries = prompt ? promptLogprobEntries(prompt[i]) : null;
    if (entries && logprob !== null) {
      const same = entries.filter((e) => e.logprob === logprob);
      const own = same.find((e) => e.text === chosen.text) ?? same[0];
      if (own) {
        token.chosen = { ...chosen, id: chosen.id ?? own.id };
        token.rank = own.rank;
      }
      token.top = entries.map((e) => ({ text: e.text, bytes: null, id: e.id, logprob: e.logprob }));
    }
    out.tokens.push(token);
  }
  return out;
}
