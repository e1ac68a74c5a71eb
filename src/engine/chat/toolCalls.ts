/**
 * The text a model of each chat family emits for ONE tool call, and parsing such a text back. Dependency-free: the
 * UI shows the format, the grammar engine constrains generation to it (see ../grammar/compile.ts).
 *
 * A call's text is always `begin + arguments JSON + end`: the tool's name, when the format carries it, sits in
 * `begin`, so a constraint is a fixed prefix, a JSON Schema-shaped middle and a fixed suffix.
 */
import type { TemplateFamilyId } from './catalog';

export interface ToolCallFormat {
  begin: string;
  end: string;
  /** the key that holds the arguments in the call's JSON object; null: the JSON between begin and end is the
   * arguments object itself */
  argumentsKey: 'arguments' | 'parameters' | null;
  /** where the format comes from */
  note: string;
}

export interface ParsedToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** JSON with the separators ", " and ": " on one line: how Python's json.dumps and Jinja's tojson write it, and how
 * the grammar engine constrains tool arguments. */
export function compactJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(compactJson).join(', ')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${compactJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const DEEPSEEK = {
  callsBegin: '<｜tool▁calls▁begin｜>',
  callBegin: '<｜tool▁call▁begin｜>',
  sep: '<｜tool▁sep｜>',
  callEnd: '<｜tool▁call▁end｜>',
  callsEnd: '<｜tool▁calls▁end｜>',
};

/** The format of one call of `toolName` in `family`. */
export function toolCallFormat(family: TemplateFamilyId, toolName: string): ToolCallFormat {
  const name = JSON.stringify(toolName);
  switch (family) {
    case 'qwen':
      return {
        begin: `<tool_call>\n{"name": ${name}, "arguments": `,
        end: '}\n</tool_call>',
        argumentsKey: 'arguments',
        note: "Qwen 3's chat template: a JSON object with the name and arguments inside <tool_call></tool_call>.",
      };
    case 'llama3':
      return {
        begin: `{"name": ${name}, "parameters": `,
        end: '}',
        argumentsKey: 'parameters',
        note: "Llama 3.0's template has no tools; this is Llama 3.1's JSON tool-call convention ({\"name\", \"parameters\"}).",
      };
    case 'gemma3':
      return {
        begin: `{"name": ${name}, "arguments": `,
        end: '}',
        argumentsKey: 'arguments',
        note: 'Gemma 3 has no official tool-call format; this is the common JSON convention {"name", "arguments"}.',
      };
    case 'deepseek_v3':
      return {
        begin: `${DEEPSEEK.callsBegin}${DEEPSEEK.callBegin}function${DEEPSEEK.sep}${toolName}\n\`\`\`json\n`,
        end: `\n\`\`\`${DEEPSEEK.callEnd}${DEEPSEEK.callsEnd}`,
        argumentsKey: null,
        note: "DeepSeek-V3's chat template: the name after <｜tool▁sep｜>, the arguments in a ```json block.",
      };
    case 'o200k_base':
      return {
        begin: '',
        end: '',
        argumentsKey: null,
        note: 'OpenAI format: the tool (recipient) is named in the message header (assistant to=functions.{name}), so the text is the arguments JSON only.',
      };
  }
}

/** The exact text of one call, as the grammar engine lets the model write it. */
export function formatToolCall(family: TemplateFamilyId, toolName: string, args: Record<string, unknown>): string {
  const { begin, end } = toolCallFormat(family, toolName);
  return begin + compactJson(args) + end;
}

const problemOf = (message: string) => ({ problem: message });

function parseJsonObject(text: string, what: string): { object: Record<string, unknown> } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return problemOf(`The ${what} is not valid JSON (${err instanceof Error ? err.message : String(err)}).`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return problemOf(`The ${what} is not a JSON object.`);
  return { object: value as Record<string, unknown> };
}

/** A JSON object {"name": …, "<argumentsKey>": {…}} → the call. */
function callFromObject(text: string, argumentsKeys: string[]): ParsedToolCall | { problem: string } {
  const parsed = parseJsonObject(text, 'tool call');
  if ('problem' in parsed) return parsed;
  const call = parsed.object;
  if (typeof call.name !== 'string') return problemOf('The tool call has no "name" string.');
  const key = argumentsKeys.find((k) => k in call);
  if (!key) return problemOf(`The tool call has no "${argumentsKeys[0]}" object.`);
  const args = call[key];
  if (!args || typeof args !== 'object' || Array.isArray(args)) return problemOf(`The tool call's "${key}" is not a JSON object.`);
  return { name: call.name, arguments: args as Record<string, unknown> };
}

function argumentsOnly(name: string, text: string): ParsedToolCall | { problem: string } {
  const parsed = parseJsonObject(text, 'arguments');
  return 'problem' in parsed ? parsed : { name, arguments: parsed.object };
}

/**
 * Parses a generated tool call of `family` back into the tool's name and arguments (surrounding whitespace is
 * tolerated). With `toolNames`, the name must be one of them; the OpenAI format, whose text holds only the arguments,
 * needs exactly one tool name to attribute them to.
 */
export function parseToolCallText(family: TemplateFamilyId, text: string, toolNames?: string[]): ParsedToolCall | { problem: string } {
  const trimmed = text.trim();
  let parsed: ParsedToolCall | { problem: string };
  switch (family) {
    case 'qwen': {
      const m = /^<tool_call>([\s\S]*)<\/tool_call>$/.exec(trimmed);
      parsed = m ? callFromObject(m[1], ['arguments']) : problemOf('A Qwen tool call is a JSON object inside <tool_call></tool_call>.');
      break;
    }
    case 'llama3':
      parsed = callFromObject(trimmed.replace(/^<\|python_tag\|>/, ''), ['parameters', 'arguments']);
      break;
    case 'gemma3':
      parsed = callFromObject(trimmed, ['arguments', 'parameters']);
      break;
    case 'deepseek_v3': {
      const { callsBegin, callBegin, sep, callEnd, callsEnd } = DEEPSEEK;
      const m = new RegExp(`^(?:${callsBegin})?${callBegin}\\w+${sep}([^\\n]+)\\n\`\`\`json\\s*([\\s\\S]*?)\\s*\`\`\`${callEnd}(?:${callsEnd})?$`).exec(trimmed);
      parsed = m ? argumentsOnly(m[1].trim(), m[2]) : problemOf('A DeepSeek-V3 tool call is <｜tool▁call▁begin｜>function<｜tool▁sep｜>{name}, then the arguments in a ```json block, then <｜tool▁call▁end｜>.');
      break;
    }
    case 'o200k_base':
      if (toolNames?.length !== 1) return problemOf('In the OpenAI format the tool is named in the message header, not in the text: give exactly one tool name.');
      parsed = argumentsOnly(toolNames[0], trimmed);
      break;
  }
  if ('name' in parsed && toolNames && !toolNames.includes(parsed.name)) return problemOf(`The model called "${parsed.name}", which is not one of the tools (${toolNames.join(', ')}).`);
  return parsed;
}
