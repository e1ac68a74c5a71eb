/**
 * Requests to a server, and every way they fail, as messages for the user (EngineFailure).
 *
 * - The API key goes only in the Authorization header, only to the origin the user entered: redirects are not
 *   followed (a redirect is reported, with where it points), and the key is cut out of every message.
 * - A fetch that throws before any answer is either an unreachable host or a refused origin (CORS). Node says which
 *   (the error's `cause.code`); a browser deliberately does not, so the message names both, with the flag each
 *   server takes to allow the page's origin.
 * - Answers are read with a byte cap: a server (or a proxy) that sends more than an answer can be is cut off.
 * - Nothing here times out: a slow server is waited for, and the caller's AbortSignal (Stop) ends the wait at once.
 */
import { EngineFailure } from '../../handlers';

/** A JSON answer (a model list, an error body) larger than this is refused. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;
/** Of an error body, only this much is read. */
const MAX_ERROR_BYTES = 64 * 1024;

export interface Endpoint {
  /** normalised, no trailing slash, e.g. http://localhost:8000/v1 */
  baseUrl: string;
  /** e.g. http://localhost:8000 */
  origin: string;
  apiKey?: string;
}

/** What a request is for, so a 404 can say what was not found. */
export type RequestPurpose = { kind: 'models' } | { kind: 'generate'; modelId: string };

/** Checks and normalises the base URL the user typed. */
export function normaliseBaseUrl(input: string): { baseUrl: string; origin: string } {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new EngineFailure(`"${input.trim()}" is not an address: enter the server's base URL, e.g. http://localhost:8000/v1.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EngineFailure(`The server's address must start with http:// or https:// (it starts with ${url.protocol}//).`);
  if (url.username || url.password) throw new EngineFailure('Put the API key in its own field, not in the address: the address is shown on the page.');
  if (url.search || url.hash) throw new EngineFailure('The base URL cannot carry a query or a fragment (?… or #…): enter it as e.g. http://localhost:8000/v1.');
  const path = url.pathname.replace(/\/+$/, '');
  return { baseUrl: `${url.origin}${path}`, origin: url.origin };
}

/** `message` with the API key cut out (a server may echo it in an error). */
export function redact(message: string, apiKey: string | undefined): string {
  return apiKey && apiKey.length >= 4 ? message.split(apiKey).join('[API key]') : message;
}

function pageOrigin(): string | null {
  const location = (globalThis as { location?: { origin?: string } }).location;
  return location?.origin && location.origin !== 'null' ? location.origin : null;
}

const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'nothing accepts connections there (connection refused)',
  ENOTFOUND: 'that host name does not resolve',
  EAI_AGAIN: 'that host name does not resolve',
  EHOSTUNREACH: 'the host cannot be reached',
  ENETUNREACH: 'the network cannot be reached',
  ETIMEDOUT: 'the connection timed out',
  ECONNRESET: 'the connection was reset',
};

/** Why `fetch` threw before any answer came (not an abort). */
export function networkFailureMessage(err: unknown, origin: string): string {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : null;
  if (code) {
    const why = UNREACHABLE_CODES[code] ?? `the connection failed (${code})`;
    return `Could not reach the server at ${origin}: ${why}. Check that it is running and that the address and port are right.`;
  }
  const page = pageOrigin();
  const allowed = page ?? "this page's origin";
  const mixed = page?.startsWith('https:') && origin.startsWith('http:') && !/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:|$)/.test(origin);
  return (
    `Could not connect to ${origin}. Either no server answers there, or it refused this page's origin${page ? ` (${page})` : ''}` +
    ' (CORS); browsers do not say which. If the server is running, start it allowing this origin: ' +
    `vLLM --allowed-origins '["${allowed}"]', llama.cpp --cors-origins ${allowed}, Ollama OLLAMA_ORIGINS=${allowed}.` +
    (mixed ? ' Also, a page served over https cannot call a server over plain http (except on this machine).' : '')
  );
}

/** Reads a body with a byte cap; `onOverflow` says what to throw when the cap is passed. */
async function readCapped(response: Response, cap: number, onOverflow: () => Error): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > cap) throw onOverflow();
      parts.push(value);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.byteLength;
  }
  return all;
}

export function oversized(what: string, bytes: number): EngineFailure {
  return new EngineFailure(`The server's ${what} is larger than ${Math.round(bytes / 1024 / 1024)} MB, more than any answer should be; it was cut off. Check the address: it may point at something that is not a model server.`);
}

/** The server's own words from an error body: OpenAI's `{error: {message}}`, Ollama's `{error}`, `{detail}`, or text. */
function serverMessage(body: string): string {
  let text = body.trim();
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const error = json.error as Record<string, unknown> | string | undefined;
    const detail = json.detail ?? json.message;
    if (typeof error === 'string') text = error;
    else if (error && typeof error.message === 'string') text = error.message;
    else if (typeof detail === 'string') text = detail;
    else if (detail !== undefined) text = JSON.stringify(detail);
  } catch {
    // not JSON: the text as it is
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Seconds until a retry, from Retry-After (seconds, or an HTTP date); null when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

async function statusFailure(response: Response, endpoint: Endpoint, url: string, purpose: RequestPurpose): Promise<EngineFailure> {
  let body = '';
  try {
    body = new TextDecoder().decode(await readCapped(response, MAX_ERROR_BYTES, () => new Error('long error body')));
  } catch {
    // an unreadable or endless error body: the status alone
  }
  const said = serverMessage(body);
  const quote = said ? ` It said: "${said}".` : '';
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const s = response.status;
  if (s === 401) return new EngineFailure(`The server at ${endpoint.origin} refused the request (401): it needs an API key, or the key given is wrong.${quote}`);
  if (s === 403) return new EngineFailure(`The server at ${endpoint.origin} refused the request (403 Forbidden): the API key is not allowed to do this.${quote}`);
  if (s === 429) {
    const wait = retryAfterSeconds(response.headers.get('Retry-After'));
    const when = wait !== null ? `try again in ${wait} second${wait === 1 ? '' : 's'}` : 'try again later (it did not say when)';
    return new EngineFailure(`The server is limiting requests (429 Too Many Requests): ${when}.${quote}`);
  }
  if (s === 404) {
    if (purpose.kind === 'models') return new EngineFailure(`There is no model list at ${url} (404). Check the base URL: OpenAI-compatible servers answer under /v1, e.g. http://localhost:8000/v1.${quote}`);
    return new EngineFailure(`The server does not know the model "${purpose.modelId}", or this endpoint (404 at ${url}). Pick a model from its list.${quote}`);
  }
  if ((s === 400 || s === 422) && /logprob|top_logprobs|n_probs/i.test(said)) {
    return new EngineFailure(`The server refused to return log-probabilities (${status}).${quote} NextToken shows each step's distribution, so it needs a server that returns them (vLLM, llama.cpp's llama-server, Ollama 0.12.11 or later, OpenAI).`);
  }
  return new EngineFailure(`The server answered ${status} at ${url}.${quote || ' It gave no reason.'}`);
}

/**
 * One request to the server. Resolves with an OK response (its body unread); rejects with an EngineFailure saying
 * what went wrong, or with `signal.reason` when the caller aborted.
 */
export async function serverFetch(
  endpoint: Endpoint,
  url: string,
  init: { method: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal },
  purpose: RequestPurpose,
): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json, text/event-stream, application/x-ndjson' };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  if (endpoint.apiKey) headers.Authorization = `Bearer ${endpoint.apiKey}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
      redirect: 'manual',
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    if (init.signal?.aborted) throw init.signal.reason;
    throw new EngineFailure(redact(networkFailureMessage(err, endpoint.origin), endpoint.apiKey));
  }
  if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
    const location = response.headers.get('Location');
    response.body?.cancel().catch(() => undefined);
    throw new EngineFailure(
      `The server redirected the request${location ? ` to ${location}` : ''}. Enter the address it redirects to as the base URL: requests (and your API key) go only to the address you entered.`,
    );
  }
  if (!response.ok) throw new EngineFailure(redact((await statusFailure(response, endpoint, url, purpose)).message, endpoint.apiKey));
  return response;
}

/** GET a JSON answer (a model list), or POST `body` for one (a non-streamed completion), capped. */
export async function fetchJson(endpoint: Endpoint, url: string, purpose: RequestPurpose, signal?: AbortSignal, body?: unknown): Promise<unknown> {
  const response = await serverFetch(endpoint, url, { method: body === undefined ? 'GET' : 'POST', body, signal }, purpose);
  const bytes = await readCapped(response, MAX_JSON_BYTES, () => oversized('answer', MAX_JSON_BYTES));
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    const start = text.trim().slice(0, 80).replace(/\s+/g, ' ');
    throw new EngineFailure(`The server's answer at ${url} is not JSON (it starts "${start}"). Check the base URL: it should be the OpenAI-compatible API, usually ending in /v1.`);
  }
}
