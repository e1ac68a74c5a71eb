/**
 * What the UI and the protocol know about a server backend (a model behind OpenAI-compatible HTTP: vLLM,
 * llama.cpp's llama-server, Ollama, OpenAI). Types only: the protocol re-exports them.
 */

/** The HTTP API a server backend generates with: a raw prompt (branching works), or chat messages. */
export type ServerApi = 'completions' | 'chat';

/**
 * The server software, recognised from its model list (`owned_by`, vLLM's `max_model_len`, llama.cpp's `meta`) and,
 * for Ollama, `GET /api/version`. It decides the endpoints, the request fields and the wire format:
 * - 'vllm': `/v1/completions`, `/v1/chat/completions`;
 * - 'llama.cpp': native `/completion` (token ids, `n_probs`) for completions, `/v1/chat/completions` for chat;
 * - 'ollama': native `/api/generate` (raw prompt) and `/api/chat`, newline-delimited JSON;
 * - 'openai': anything else speaking OpenAI's API (OpenAI itself, proxies).
 */
export type ServerFlavor = 'vllm' | 'llama.cpp' | 'ollama' | 'openai';

const SERVER_NAMES: Record<ServerFlavor, string> = { vllm: 'vLLM', 'llama.cpp': 'llama.cpp', ollama: 'Ollama', openai: 'OpenAI' };

/** The server's name in a message (one table for every message that names a server). */
export function serverName(flavor: ServerFlavor): string {
  return SERVER_NAMES[flavor];
}

/**
 * Whether a vLLM of this version (its `GET /version`) takes structured outputs as the older `guided_*` fields: the
 * `structured_outputs` object arrived in 0.10.2, and an older server ignores it (its output would be unconstrained
 * while the page said it was enforced). An unknown version is taken as current.
 */
export function vllmTakesGuidedFields(version: string | undefined): boolean {
  const match = version?.match(/^v?(\d+)\.(\d+)\.(\d+)/);
  if (!match) return false;
  const [major, minor, patch] = match.slice(1).map(Number);
  return major === 0 && (minor < 10 || (minor === 10 && patch < 2));
}

export interface ServerModel {
  id: string;
  /** tokens the model attends to, where the server says (vLLM's `max_model_len`); null when it does not */
  contextWindow: number | null;
}

/** A sampling control the server has no field for; the UI can grey it out. */
export type UnsupportedSetting = 'topK' | 'minP' | 'repetitionPenalty';

/** `ModelInfo.server`: present exactly when the current backend is a server. */
export interface ServerBackendInfo {
  /** where the text goes, e.g. "http://localhost:8000" (the page says so while a server is active) */
  origin: string;
  /** the base URL requests are made under, normalised (no trailing slash) */
  baseUrl: string;
  api: ServerApi;
  flavor: ServerFlavor;
  /** the server's version where it says (vLLM's `GET /version`); it decides vLLM's structured-output fields */
  version?: string;
  /**
   * What candidate ids mean. Token ids of a server backend are always its own numbering of the distinct tokens it
   * has met (servers send token TEXT); 'model' says the server also reported the model's own ids (llama.cpp, vLLM
   * with `--return-tokens-as-token-ids`): each candidate then carries `modelTokenId`. 'none': it did not.
   */
  modelTokenIds: 'model' | 'none';
  /**
   * Which distribution the log-probabilities describe: 'model' = the model's own (softmax of the raw logits, T = 1,
   * before the server's sampling settings); 'after-sampling' = after the server's temperature and filters.
   */
  distribution: 'model' | 'after-sampling';
  /** one sentence saying where that comes from, for the panel */
  distributionNote: string;
  /** log-probabilities asked for per step (a server may send fewer) */
  topLogprobs: number;
  /** the model's window where the server says it, else null (ModelInfo.contextWindow is then a large number) */
  contextWindow: number | null;
  /** sampling controls this server has no request field for: they act only in the page's re-sampling */
  unsupportedSettings: UnsupportedSetting[];
}
