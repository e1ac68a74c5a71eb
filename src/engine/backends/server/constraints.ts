/**
 * A generation constraint (structured output) sent to a server as the server's OWN option, which the server then
 * enforces while it samples; the page does not mask a server's tokens. Each server names it differently:
 *
 * - vLLM (both APIs): `structured_outputs` { json_object | json | regex | grammar (XGrammar's EBNF) | choice }; a tool
 *   call is `tools` + a named `tool_choice` on chat (vLLM's forced tool call), the call schema on completions.
 * - llama.cpp (`/completion` and chat): `json_schema` (any JSON: {}), `grammar` (GBNF; a choice list becomes one);
 *   no regular expressions. A tool call is the call schema (llama-server turns a named tool_choice into "auto").
 * - Ollama: `format` ("json", or a schema; a tool call is the call schema); nothing else.
 * - OpenAI: chat only: `response_format` (json_object, or json_schema with strict: true), a tool call `tools` (strict)
 *   + a named `tool_choice`; its legacy completions have no such option.
 *
 * vLLM gets only `structured_outputs` (vLLM ≥ 0.10.2): the older `guided_*` fields were removed in 0.12 and current
 * servers refuse them, so sending both would break the servers people run now (an older vLLM ignores the field: its
 * output is then unconstrained). The call schema is `{"name": <the tool>, "arguments": <its parameters>}`, used where
 * a server has no forced tool call. A constraint a server cannot enforce is refused before any request is sent.
 */
import type { ToolDefinition } from '../../chat/types';
import type { ConstraintKind, ConstraintSpec } from '../../grammar/types';
import { choiceGrammar, choiceLines } from '../../grammar/choices';
import { EngineFailure } from '../../handlers';
import { serverName, vllmTakesGuidedFields, type ServerApi, type ServerFlavor } from './types';

/**
 * Whether a server enforces a kind of constraint on an API, and through which request field (for the UI: "enforced by
 * vLLM's structured_outputs"); `note` says what the user should know about it. 'none' sends nothing (option '').
 */
export type ServerConstraintSupport = { supported: true; option: string; note?: string } | { supported: false; reason: string };

const KIND_NAMES: Record<ConstraintKind, string> = {
  none: 'no constraint',
  json: 'JSON',
  'json-schema': 'JSON Schema',
  regex: 'regular-expression',
  grammar: 'grammar',
  choice: 'choice-list',
  tool: 'tool-call',
};

const GBNF_NOTE =
  "llama.cpp reads the grammar as GBNF, which XGrammar's EBNF is close to but not the same as: GBNF rule names take letters, digits and '-' only (no '_'), and XGrammar's lookaheads (= …) do not exist there.";

const OPENAI_JSON_NOTE = 'OpenAI refuses JSON mode unless the conversation itself asks for JSON (the word "JSON" in a message).';

/** vLLM's `guided_*` field (before 0.10.2) for each kind; a forced tool call on chat stays `tool_choice`. */
const VLLM_GUIDED_FIELDS: Record<Exclude<ConstraintKind, 'none'>, string> = {
  json: 'response_format',
  'json-schema': 'guided_json',
  tool: 'guided_json',
  regex: 'guided_regex',
  grammar: 'guided_grammar',
  choice: 'guided_choice',
};

/** `version`: the server's own (vLLM's decides its fields); unknown = current. */
export function serverConstraintSupport(flavor: ServerFlavor, api: ServerApi, kind: ConstraintKind, version?: string): ServerConstraintSupport {
  if (kind === 'none') return { supported: true, option: '' };
  const refuse = (why: string): ServerConstraintSupport => ({ supported: false, reason: `${serverName(flavor)} cannot enforce a ${KIND_NAMES[kind]} constraint: ${why}` });
  switch (flavor) {
    case 'vllm':
      if (kind === 'tool' && api === 'chat') return { supported: true, option: 'tool_choice' };
      if (vllmTakesGuidedFields(version)) return { supported: true, option: VLLM_GUIDED_FIELDS[kind], note: `vLLM ${version} predates structured_outputs (0.10.2), so its guided_* fields are used` };
      return { supported: true, option: 'structured_outputs' };
    case 'llama.cpp':
      if (kind === 'regex') return refuse('it has no regular-expression option (its grammars are GBNF). Write the pattern as a grammar instead.');
      if (kind === 'grammar') return { supported: true, option: 'grammar', note: GBNF_NOTE };
      return { supported: true, option: kind === 'choice' ? 'grammar' : 'json_schema' };
    case 'ollama':
      if (kind === 'json' || kind === 'json-schema' || kind === 'tool') return { supported: true, option: 'format' };
      return refuse('its only structured-output option is "format", which takes JSON or a JSON Schema.');
    case 'openai':
      if (api === 'completions') return refuse('its completions API has no structured-output option. The chat API enforces JSON, a JSON Schema and tool calls.');
      if (kind === 'json') return { supported: true, option: 'response_format', note: OPENAI_JSON_NOTE };
      if (kind === 'json-schema') return { supported: true, option: 'response_format' };
      if (kind === 'tool') return { supported: true, option: 'tool_choice' };
      return refuse('its chat API enforces only JSON, a JSON Schema (response_format) and tool calls (tool_choice).');
  }
}

/** The user's way out when a server cannot take a constraint. */
const ELSEWHERE = 'Run it with the local model (the page enforces every kind of constraint there), or set the constraint to None.';

function invalid(what: string): EngineFailure {
  return new EngineFailure(`The constraint is invalid: ${what} Fix it, or set the constraint to None.`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmpty(text: string, what: string): string {
  if (!text.trim()) throw invalid(`enter ${what}.`);
  return text;
}

function schemaOf(text: string): Record<string, unknown> {
  let schema: unknown;
  try {
    schema = JSON.parse(nonEmpty(text, 'a JSON Schema'));
  } catch (err) {
    if (err instanceof EngineFailure) throw err;
    throw invalid(`the JSON Schema is not valid JSON (${err instanceof Error ? err.message : String(err)}).`);
  }
  if (!isObject(schema)) throw invalid('a JSON Schema sent to a server must be a JSON object.');
  return schema;
}

/** The choices of a 'choice' constraint; none is an invalid constraint. */
function choicesOf(text: string): string[] {
  const choices = choiceLines(text);
  if (choices.length === 0) throw invalid('enter at least one choice, one per line.');
  return choices;
}

function toolOf(spec: ConstraintSpec): { name: string; description?: string; parameters: Record<string, unknown> } {
  const tool = spec.tool;
  if (!tool?.name.trim()) throw invalid('a tool constraint needs a tool name.');
  if (!isObject(tool.parameters)) throw invalid(`the tool "${tool.name}" needs a parameters schema (a JSON Schema object).`);
  return tool;
}

/** A JSON Schema of one call of the tool: its name, and arguments that follow its parameters. */
export function toolCallSchema(name: string, parameters: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', properties: { name: { const: name }, arguments: parameters }, required: ['name', 'arguments'], additionalProperties: false };
}

/** The conversation's tools with the constrained one (its definition replacing one of the same name), and the forced choice. */
function forcedToolCall(spec: ConstraintSpec, tools: readonly ToolDefinition[], strict: boolean): Record<string, unknown> {
  const { name, description, parameters } = toolOf(spec);
  const definition = { type: 'function', function: { name, ...(description ? { description } : {}), parameters, ...(strict ? { strict: true } : {}) } };
  return { tools: [...tools.filter((t) => t.function.name !== name), definition], tool_choice: { type: 'function', function: { name } } };
}

/**
 * The request fields that carry `spec` to this server on this API (merged over the body, so `tools` replaces the
 * conversation's list when the constraint adds its tool); {} for no constraint. Throws an EngineFailure naming the
 * server and the kind when the server cannot enforce it, and one saying what is wrong when the constraint is invalid.
 */
export function constraintFields(
  flavor: ServerFlavor,
  api: ServerApi,
  spec: ConstraintSpec | null,
  tools: readonly ToolDefinition[],
  version?: string,
): Record<string, unknown> {
  if (!spec || spec.kind === 'none') return {};
  const support = serverConstraintSupport(flavor, api, spec.kind, version);
  if (!support.supported) throw new EngineFailure(`${support.reason} ${ELSEWHERE}`);
  switch (flavor) {
    case 'vllm':
      return vllmFields(api, spec, tools, vllmTakesGuidedFields(version));
    case 'llama.cpp':
      return llamaCppFields(spec);
    case 'ollama':
      return { format: spec.kind === 'json' ? 'json' : jsonSchemaOf(spec) };
    case 'openai':
      if (spec.kind === 'tool') return forcedToolCall(spec, tools, true);
      if (spec.kind === 'json') return { response_format: { type: 'json_object' } };
      return { response_format: { type: 'json_schema', json_schema: { name: 'output', schema: schemaOf(spec.text), strict: true } } };
  }
}

/** The schema of a 'json-schema' or 'tool' constraint. */
function jsonSchemaOf(spec: ConstraintSpec): Record<string, unknown> {
  if (spec.kind === 'tool') {
    const { name, parameters } = toolOf(spec);
    return toolCallSchema(name, parameters);
  }
  return schemaOf(spec.text);
}

function vllmFields(api: ServerApi, spec: ConstraintSpec, tools: readonly ToolDefinition[], guided: boolean): Record<string, unknown> {
  // a named tool_choice is vLLM's forced tool call: it constrains the arguments to the tool's parameters itself
  if (spec.kind === 'tool' && api === 'chat') return forcedToolCall(spec, tools, false);
  const [option, value] = vllmOption(spec);
  if (!guided) return { structured_outputs: { [option]: value } };
  // before 0.10.2 the same options were one `guided_*` field each, and JSON mode was `response_format`
  return option === 'json_object' ? { response_format: { type: 'json_object' } } : { [`guided_${option}`]: value };
}

/** vLLM's structured-output option for `spec` and its value (the key in `structured_outputs`, or after `guided_`). */
function vllmOption(spec: ConstraintSpec): [option: 'json_object' | 'regex' | 'grammar' | 'choice' | 'json', value: unknown] {
  switch (spec.kind) {
    case 'json':
      return ['json_object', true];
    case 'regex':
      return ['regex', nonEmpty(spec.text, 'a regular expression')];
    case 'grammar':
      return ['grammar', nonEmpty(spec.text, 'a grammar')];
    case 'choice':
      return ['choice', choicesOf(spec.text)];
    default:
      return ['json', jsonSchemaOf(spec)];
  }
}

function llamaCppFields(spec: ConstraintSpec): Record<string, unknown> {
  switch (spec.kind) {
    case 'json':
      return { json_schema: {} };
    case 'grammar':
      return { grammar: nonEmpty(spec.text, 'a grammar') };
    case 'choice':
      return { grammar: choiceGrammar(choicesOf(spec.text)) };
    default:
      return { json_schema: jsonSchemaOf(spec) };
  }
}
