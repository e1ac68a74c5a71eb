/**
 * The generation request for each server and API: endpoint, body (the user's sampling settings mapped to the fields
 * the server has, log-probabilities asked for), stream format and parser.
 *
 * Sampling controls are sent explicitly, neutral values included: llama.cpp and Ollama have non-neutral defaults
 * (top-k 40, top-p 0.95/0.9, min-p 0.05, a repetition penalty), and vLLM takes defaults from the model's
 * generation_config; the page's sliders must mean the same on the server. OpenAI has no top-k, min-p or repetition
 * penalty field (its frequency/presence penalties are different maths), so those are not sent there.
 */
import type { Conversation } from '../../chat/types';
import type { ConstraintSpec } from '../../grammar/types';
import type { SamplingSettings } from '../../sampling/types';
import { EngineFailure } from '../../handlers';
import { constraintFields } from './constraints';
import type { StreamFormat } from './events';
import type { ServerApi, ServerFlavor, UnsupportedSetting } from './types';
import { parseChatChunk, parseCompletionChunk, parseLlamaCppChunk, parseOllamaChunk, type WireChunk } from './wire';

export interface GenerationInput {
  /** completions: the exact text to continue */
  prompt: string;
  /** chat: the conversation (with tools) */
  conversation: Conversation | null;
  /** chat: the assistant text already generated, to be continued (a branch); '' for a fresh answer */
  assistantPrefix: string;
  maxTokens: number;
  settings: SamplingSettings;
  seed: number;
  topLogprobs: number;
  /** structured output the server enforces (constraints.ts); null for none */
  constraint: ConstraintSpec | null;
}

export interface GenerationRequest {
  url: string;
  body: Record<string, unknown>;
  format: StreamFormat;
  parse(json: unknown): WireChunk;
}

/** The most log-probabilities to ask for: OpenAI's chat allows 20, its legacy completions 5; vLLM's default cap is
 * 20 (`--max-logprobs`), Ollama's 20; llama.cpp has no cap, 20 keeps the stream small. */
export function topLogprobsFor(flavor: ServerFlavor, api: ServerApi): number {
  return flavor === 'openai' && api === 'completions' ? 5 : 20;
}

export function unsupportedSettings(flavor: ServerFlavor): UnsupportedSetting[] {
  return flavor === 'openai' ? ['topK', 'minP', 'repetitionPenalty'] : [];
}

/** Whether chat completions can continue an assistant message already begun (needed to branch in chat). */
function canContinueChat(flavor: ServerFlavor): boolean {
  return flavor === 'vllm' || flavor === 'llama.cpp';
}

/** Which distribution the log-probabilities are, per server, and where that is documented. */
export function distributionNote(flavor: ServerFlavor): string {
  switch (flavor) {
    case 'vllm':
      return "vLLM reports the model's raw log-probabilities (its default --logprobs-mode raw_logprobs), before its sampling settings.";
    case 'llama.cpp':
      return "llama.cpp reports the softmax of the raw logits (post_sampling_probs: false, which NextToken asks for), before its samplers.";
    case 'ollama':
      return "Ollama reports the model's log-probabilities (computed from the logits), before its sampling options.";
    case 'openai':
      return "OpenAI documents logprobs as the model's log-probabilities of each token, before sampling.";
  }
}

/** The API root without a trailing /v1 (llama.cpp's and Ollama's native endpoints live there). */
function apiRoot(baseUrl: string): string {
  return baseUrl.replace(/\/v1$/, '');
}

function samplingFields(flavor: ServerFlavor, s: SamplingSettings, seed: number): Record<string, unknown> {
  const temperature = s.temperature > 0 ? s.temperature : 0;
  const common = { temperature, top_p: s.topP, seed };
  switch (flavor) {
    case 'vllm':
      return { ...common, top_k: s.topK > 0 ? s.topK : -1, min_p: s.minP, repetition_penalty: s.repetitionPenalty };
    case 'llama.cpp':
      return {
        ...common,
        top_k: s.topK,
        min_p: s.minP,
        repeat_penalty: s.repetitionPenalty,
        repeat_last_n: -1,
        typical_p: 1,
        presence_penalty: 0,
        frequency_penalty: 0,
        dry_multiplier: 0,
        xtc_probability: 0,
        mirostat: 0,
      };
    case 'ollama':
      return { ...common, top_k: s.topK, min_p: s.minP, repeat_penalty: s.repetitionPenalty, repeat_last_n: -1 };
    case 'openai':
      return common;
  }
}

/** Ollama's messages: tool-call arguments as objects, a tool result named by `tool_name`. */
function ollamaMessages(conversation: Conversation): Record<string, unknown>[] {
  return conversation.messages.map((m) => {
    const out: Record<string, unknown> = { role: m.role, content: m.content ?? '' };
    if (m.tool_calls) {
      out.tool_calls = m.tool_calls.map((c) => {
        let args: unknown = c.function.arguments;
        try {
          args = JSON.parse(c.function.arguments);
        } catch {
          // not JSON: sent as written
        }
        return { function: { name: c.function.name, arguments: args } };
      });
    }
    if (m.role === 'tool' && m.name) out.tool_name = m.name;
    return out;
  });
}

function chatMessages(input: GenerationInput, flavor: ServerFlavor): { messages: unknown[]; continuing: boolean } {
  const conversation = input.conversation ?? { messages: [{ role: 'user' as const, content: input.prompt }], tools: [] };
  const messages: unknown[] = flavor === 'ollama' ? ollamaMessages(conversation) : [...conversation.messages];
  if (input.assistantPrefix === '') return { messages, continuing: false };
  if (!canContinueChat(flavor)) {
    throw new EngineFailure(
      'Picking another token needs the completions API: this server cannot continue an assistant message through chat completions. Switch the API to "completions" to branch.',
    );
  }
  messages.push({ role: 'assistant', content: input.assistantPrefix });
  return { messages, continuing: true };
}

/** `version`: the server's own where known (vLLM's decides its structured-output fields). */
export function buildRequest(flavor: ServerFlavor, api: ServerApi, baseUrl: string, modelId: string, input: GenerationInput, version?: string): GenerationRequest {
  const sampling = samplingFields(flavor, input.settings, input.seed);
  const n = input.topLogprobs;
  const conversationTools = input.conversation?.tools ?? [];
  const tools = conversationTools.length > 0 ? { tools: conversationTools } : {};
  const constraint = constraintFields(flavor, api, input.constraint, api === 'chat' ? conversationTools : [], version);
  if (flavor === 'ollama') {
    const { temperature, top_p, seed, ...rest } = sampling;
    const options = { temperature, top_p, seed, ...rest, num_predict: input.maxTokens };
    const common = { model: modelId, stream: true, logprobs: true, top_logprobs: n, options, ...constraint };
    if (api === 'completions') return { url: `${apiRoot(baseUrl)}/api/generate`, body: { ...common, prompt: input.prompt, raw: true }, format: 'ndjson', parse: parseOllamaChunk };
    return { url: `${apiRoot(baseUrl)}/api/chat`, body: { ...common, messages: chatMessages(input, flavor).messages, ...tools }, format: 'ndjson', parse: parseOllamaChunk };
  }
  if (api === 'completions' && flavor === 'llama.cpp') {
    const body = { prompt: input.prompt, n_predict: input.maxTokens, ...sampling, n_probs: n, post_sampling_probs: false, stream: true, cache_prompt: true, ...constraint };
    return { url: `${apiRoot(baseUrl)}/completion`, body, format: 'sse', parse: parseLlamaCppChunk };
  }
  const usage = flavor === 'vllm' || flavor === 'openai' ? { stream_options: { include_usage: true } } : {};
  if (api === 'completions') {
    const body = { model: modelId, prompt: input.prompt, max_tokens: input.maxTokens, ...sampling, logprobs: n, stream: true, ...usage, ...constraint };
    return { url: `${baseUrl}/completions`, body, format: 'sse', parse: parseCompletionChunk };
  }
  const { messages, continuing } = chatMessages(input, flavor);
  const continuation = continuing && flavor === 'vllm' ? { continue_final_message: true, add_generation_prompt: false } : {};
  const body = { model: modelId, messages, ...tools, max_tokens: input.maxTokens, ...sampling, logprobs: true, top_logprobs: n, stream: true, ...usage, ...continuation, ...constraint };
  return { url: `${baseUrl}/chat/completions`, body, format: 'sse', parse: parseChatChunk };
}

/**
 * Whether the server can score a given text (prompt log-probabilities, for the Analyse lab): vLLM (its
 * `/v1/completions` takes `prompt_logprobs`, and `echo` with `logprobs`, whichever API generates), and an
 * OpenAI-compatible server used with the completions API (the legacy `echo` with `logprobs`). llama.cpp's and
 * Ollama's endpoints return log-probabilities only for generated tokens.
 */
export function canScorePrompt(flavor: ServerFlavor, api: ServerApi): boolean {
  return flavor === 'vllm' || (flavor === 'openai' && api === 'completions');
}

/**
 * The request that scores `text` as a prompt, not streamed, generating nothing (`max_tokens: 0` with `echo`: the
 * OpenAI legacy form, which vLLM honours too): `echo` + `logprobs: n` (each prompt token's log-probability and the
 * top n at its position), and for vLLM also `prompt_logprobs: n` (the same with the model's ids and exact ranks).
 */
export function promptScoreRequest(flavor: ServerFlavor, baseUrl: string, modelId: string, text: string, n: number): { url: string; body: Record<string, unknown> } {
  const vllm = flavor === 'vllm' ? { prompt_logprobs: n } : {};
  return { url: `${baseUrl}/completions`, body: { model: modelId, prompt: text, max_tokens: 0, temperature: 0, echo: true, logprobs: n, ...vllm, stream: false } };
}
