/**
 * Structured outputs for the test model server (openaiServer.ts), as the real servers take them, enforced with
 * XGrammar (@mlc-ai/web-xgrammar), the engine vLLM itself uses:
 * - vLLM: `structured_outputs` with exactly one of json (a schema, object or text), json_object, regex, choice,
 *   grammar (EBNF); on chat also a named `tool_choice` (the arguments follow that tool's parameters);
 * - OpenAI (and vLLM, llama.cpp) chat: `response_format` json_object / json_schema; OpenAI a named `tool_choice`;
 * - llama.cpp (`/completion`, chat): `json_schema` or `grammar` (GBNF, read by XGrammar's EBNF parser, which takes
 *   GBNF as written in llama.cpp's examples), not both;
 * - Ollama: `format` ("json" or a schema).
 * JSON is compact (no free whitespace, as vLLM's `disable_any_whitespace`), so the small model finishes its documents.
 * Like vLLM, the server masks the forbidden tokens before it samples, and reports the model's raw log-probabilities.
 * An invalid constraint is a 400 with XGrammar's message. Nothing here imports the app's engine.
 */
import type { CompiledGrammar, GrammarCompiler, GrammarMatcher } from '@mlc-ai/web-xgrammar';

type Json = Record<string, unknown>;

/** What a request constrains its output to, in XGrammar's terms. */
export type StructuredOutput =
  | { kind: 'json' }
  | { kind: 'json-schema'; schema: string }
  | { kind: 'regex'; pattern: string }
  | { kind: 'grammar'; ebnf: string }
  | { kind: 'choice'; choices: string[] };

/** A request's structured output: none, one (with the tool whose arguments it is, for a forced tool call), or a 400. */
export type StructuredRequest = { output: StructuredOutput | null; toolCall: string | null } | { error: string };

export type StructuredFlavor = 'vllm' | 'llama.cpp' | 'ollama' | 'openai';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const none = (): StructuredRequest => ({ output: null, toolCall: null });
const one = (output: StructuredOutput, toolCall: string | null = null): StructuredRequest => ({ output, toolCall });
const schemaText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function vllmStructuredOutputs(options: unknown): StructuredRequest {
  if (options === undefined || options === null) return none();
  if (!isObject(options)) return { error: '`structured_outputs` must be an object.' };
  const set = ['json', 'json_object', 'regex', 'choice', 'grammar', 'structural_tag'].filter((k) => options[k] !== undefined && options[k] !== null && options[k] !== false);
  if (set.length === 0) return none();
  if (set.length > 1) return { error: `You can only use one kind of structured outputs constraint but multiple are specified: ${JSON.stringify(options)}` };
  switch (set[0]) {
    case 'json':
      return one({ kind: 'json-schema', schema: schemaText(options.json) });
    case 'json_object':
      return one({ kind: 'json' });
    case 'regex':
      return one({ kind: 'regex', pattern: String(options.regex) });
    case 'grammar':
      return one({ kind: 'grammar', ebnf: String(options.grammar) });
    case 'choice':
      return Array.isArray(options.choice) && options.choice.length > 0 ? one({ kind: 'choice', choices: options.choice.map(String) }) : { error: '`choice` must be a non-empty list.' };
    default:
      return { error: 'This test server does not take structural_tag.' };
  }
}

/** vLLM before 0.10.2: one `guided_*` field (it ignores `structured_outputs`), or `response_format`. */
function vllmGuidedFields(body: Json): StructuredRequest {
  const set = ['guided_json', 'guided_regex', 'guided_choice', 'guided_grammar'].filter((k) => body[k] !== undefined && body[k] !== null);
  if (set.length > 1) return { error: `You can only use one kind of guided decoding ('guided_json', 'guided_regex' or 'guided_choice').` };
  switch (set[0]) {
    case 'guided_json':
      return one({ kind: 'json-schema', schema: schemaText(body.guided_json) });
    case 'guided_regex':
      return one({ kind: 'regex', pattern: String(body.guided_regex) });
    case 'guided_grammar':
      return one({ kind: 'grammar', ebnf: String(body.guided_grammar) });
    case 'guided_choice':
      return Array.isArray(body.guided_choice) && body.guided_choice.length > 0 ? one({ kind: 'choice', choices: body.guided_choice.map(String) }) : { error: '`guided_choice` must be a non-empty list.' };
    default:
      return responseFormat(body.response_format);
  }
}

/** `response_format` of OpenAI's chat API (vLLM and llama.cpp take it too). */
function responseFormat(format: unknown): StructuredRequest {
  if (!isObject(format) || format.type === 'text' || format.type === undefined) return none();
  if (format.type === 'json_object') return one({ kind: 'json' });
  if (format.type === 'json_schema' && isObject(format.json_schema) && format.json_schema.schema !== undefined) {
    return one({ kind: 'json-schema', schema: schemaText(format.json_schema.schema) });
  }
  return { error: `Invalid response_format: ${JSON.stringify(format)}` };
}

/** A named `tool_choice`: the call's arguments follow the named tool's parameters. */
function forcedToolCall(body: Json): StructuredRequest | null {
  const choice = body.tool_choice;
  if (!isObject(choice) || !isObject(choice.function)) return null;
  const name = String(choice.function.name);
  const tool = (Array.isArray(body.tools) ? (body.tools as unknown[]) : []).find((t) => isObject(t) && isObject(t.function) && t.function.name === name) as Json | undefined;
  if (!tool) return { error: `Tool '${name}' has not been passed in \`tools\`.` };
  return one({ kind: 'json-schema', schema: schemaText((tool.function as Json).parameters ?? {}) }, name);
}

/** The structured output a generation request asks for, read as `flavor` reads it on `path` (`guided`: vLLM < 0.10.2). */
export function readStructuredRequest(flavor: StructuredFlavor, path: string, body: Json, guided = false): StructuredRequest {
  const chat = path === '/v1/chat/completions' || path === '/api/chat';
  switch (flavor) {
    case 'vllm': {
      const forced = chat ? forcedToolCall(body) : null;
      if (forced) return forced;
      if (guided) return vllmGuidedFields(body);
      const options = vllmStructuredOutputs(body.structured_outputs);
      return chat && 'output' in options && !options.output ? responseFormat(body.response_format) : options;
    }
    case 'openai':
      if (!chat) return none();
      return forcedToolCall(body) ?? responseFormat(body.response_format);
    case 'llama.cpp': {
      // response_format becomes llama.cpp's json_schema (json_object: {}, any JSON value)
      const fromFormat = chat ? responseFormat(body.response_format) : none();
      if ('error' in fromFormat) return fromFormat;
      const fromField: StructuredOutput | null = body.json_schema === undefined || body.json_schema === null ? null : { kind: 'json-schema', schema: schemaText(body.json_schema) };
      const schema = fromFormat.output?.kind === 'json' ? { kind: 'json-schema' as const, schema: '{}' } : (fromFormat.output ?? fromField);
      const grammar = typeof body.grammar === 'string' && body.grammar ? body.grammar : null;
      if (schema && grammar) return { error: 'Either "json_schema" or "grammar" can be specified, but not both' };
      if (schema) return one(schema);
      return grammar ? one({ kind: 'grammar', ebnf: grammar }) : none();
    }
    case 'ollama':
      if (body.format === 'json') return one({ kind: 'json' });
      if (isObject(body.format)) return one({ kind: 'json-schema', schema: JSON.stringify(body.format) });
      return none();
  }
}

// ---------------------------------------------------------------- XGrammar

interface XGrammarModule {
  TokenizerInfo: { createTokenizerInfo(encoded: string[], vocabType: string, prependSpace: boolean, vocabSize: number, stopTokenIds: number[]): Promise<unknown> };
  GrammarCompiler: { createGrammarCompiler(info: unknown): Promise<GrammarCompiler> };
  GrammarMatcher: { createGrammarMatcher(compiled: CompiledGrammar): Promise<GrammarMatcher> };
}

/** The allowed next tokens of one generation, advanced token by token. */
export interface TokenFilter {
  /** bit (id & 31) of word (id >> 5) set = token id allowed */
  allowed(): Promise<Int32Array>;
  accept(id: number): void;
  dispose(): void;
}

export interface StructuredOutputs {
  /** Compiles the output's grammar: a filter for one generation, or the reason it is invalid (XGrammar's message). */
  filter(output: StructuredOutput): Promise<TokenFilter | { error: string }>;
}

/** XGrammar prints why a compile failed, then aborts: the printed line is caught here while a compile runs. */
let printedByXGrammar: string[] | null = null;

async function loadXGrammar(): Promise<XGrammarModule> {
  const original = console.error;
  // the module keeps the console.error it finds when it starts: a forwarder that a compile can listen through
  console.error = (...args: unknown[]) => (printedByXGrammar ? printedByXGrammar.push(args.map(String).join(' ')) : original(...args));
  // the UMD bundle needs `location` to start in Node
  const g = globalThis as { location?: unknown; xgrammar?: XGrammarModule };
  g.location ??= { href: import.meta.url };
  await import('@mlc-ai/web-xgrammar/lib/index.js');
  return g.xgrammar!;
}

let loading: Promise<XGrammarModule> | null = null;

/** Structured outputs over a model's vocabulary: `encoded[id]` is the token as tokenizer.json writes it (byte-level). */
export async function structuredOutputs(encoded: string[], eos: number): Promise<StructuredOutputs> {
  loading ??= loadXGrammar();
  const xg = await loading;
  const info = await xg.TokenizerInfo.createTokenizerInfo(encoded, 'byte_level', false, encoded.length, [eos]);
  const compiler = await xg.GrammarCompiler.createGrammarCompiler(info);
  const compile = (output: StructuredOutput): Promise<CompiledGrammar> => {
    switch (output.kind) {
      case 'json':
        return compiler.compileBuiltinJSONGrammar();
      case 'json-schema':
        return compiler.compileJSONSchema(output.schema, false);
      case 'regex':
        return compiler.compileStructuralTag({ type: 'structural_tag', format: { type: 'regex', pattern: output.pattern } });
      case 'grammar':
        return compiler.compileGrammar(output.ebnf, 'root');
      case 'choice':
        return compiler.compileGrammar(`root ::= ${output.choices.map((c) => JSON.stringify(c)).join(' | ')}`, 'root');
    }
  };
  const cache = new Map<string, CompiledGrammar>();
  return {
    async filter(output) {
      const key = JSON.stringify(output);
      let compiled = cache.get(key);
      if (!compiled) {
        const printed: string[] = [];
        printedByXGrammar = printed;
        try {
          compiled = await compile(output);
        } catch (err) {
          const fatal = printed.find((line) => line.includes('[FATAL]'))?.replace(/^.*\[FATAL\]\s*\S+:\d+:\s*/, '');
          return { error: `Invalid structured output (${output.kind}): ${fatal ?? String(err)}` };
        } finally {
          printedByXGrammar = null;
        }
        cache.set(key, compiled);
      }
      const matcher = await xg.GrammarMatcher.createGrammarMatcher(compiled);
      return {
        allowed: () => matcher.getNextTokenBitmask(),
        accept: (id) => {
          if (!matcher.acceptToken(id)) throw new Error(`The grammar refused token ${id}, which its own mask allowed.`);
        },
        dispose: () => matcher.dispose(),
      };
    },
  };
}
