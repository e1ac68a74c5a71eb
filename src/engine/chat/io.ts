/**
 * Import / export of a conversation as OpenAI-style JSON:
 * `{ "messages": [...], "tools": [...] }` (the body of a chat.completions request,
 * minus the model). A bare array of messages is accepted too. Validation returns
 * the first problem as a message that names where it is and what to do.
 */
import type { ChatMessage, Conversation, Role, ToolCall, ToolDefinition } from './types';

export type ImportResult = { ok: true; conversation: Conversation } | { ok: false; error: string };

export function exportConversation(conv: Conversation): string {
  const body: { messages: ChatMessage[]; tools?: ToolDefinition[] } = { messages: conv.messages.map(cleanMessage) };
  if (conv.tools.length) body.tools = conv.tools;
  return JSON.stringify(body, null, 2);
}

function cleanMessage(m: ChatMessage): ChatMessage {
  const out: ChatMessage = { role: m.role, content: m.content };
  if (m.name !== undefined) out.name = m.name;
  if (m.tool_calls?.length) out.tool_calls = m.tool_calls;
  if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  return out;
}

const ROLES: readonly Role[] = ['system', 'user', 'assistant', 'tool'];

class ImportError extends Error {}

function fail(msg: string): never {
  throw new ImportError(msg);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string') fail(`${where} must be a string, but it is ${describe(v)}.`);
  return v;
}

function parseContent(v: unknown, where: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    // OpenAI content parts: only text parts can be shown here
    return v
      .map((part, k) => {
        if (!isObject(part) || part.type !== 'text') fail(`${where}[${k}] must be a text part ({"type": "text", "text": "..."}); images and audio are not supported here.`);
        return str(part.text, `${where}[${k}].text`);
      })
      .join('');
  }
  fail(`${where} must be a string (or null for an assistant tool call), but it is ${describe(v)}.`);
}

function parseToolCall(v: unknown, where: string): ToolCall {
  if (!isObject(v)) fail(`${where} must be an object like {"id": "call_1", "type": "function", "function": {"name": "...", "arguments": "{}"}}.`);
  if (v.type !== undefined && v.type !== 'function') fail(`${where}.type must be "function".`);
  if (!isObject(v.function)) fail(`${where}.function must be an object with "name" and "arguments".`);
  const name = str(v.function.name, `${where}.function.name`);
  if (!name) fail(`${where}.function.name must not be empty.`);
  const args = v.function.arguments;
  if (typeof args !== 'string') fail(`${where}.function.arguments must be a JSON string (as OpenAI's API sends it), e.g. "{\\"city\\": \\"Paris\\"}", but it is ${describe(args)}.`);
  return { id: v.id === undefined ? '' : str(v.id, `${where}.id`), type: 'function', function: { name, arguments: args } };
}

function parseMessage(v: unknown, i: number): ChatMessage {
  const where = `messages[${i}]`;
  if (!isObject(v)) fail(`${where} must be an object with "role" and "content", but it is ${describe(v)}.`);
  if (typeof v.role !== 'string' || !(ROLES as readonly string[]).includes(v.role))
    fail(`${where}.role must be one of ${ROLES.map((r) => `"${r}"`).join(', ')}, but it is ${describe(v.role)}.`);
  const role = v.role as Role;
  const msg: ChatMessage = { role, content: parseContent(v.content, `${where}.content`) };
  if (v.name !== undefined) msg.name = str(v.name, `${where}.name`);
  if (v.tool_calls !== undefined && v.tool_calls !== null) {
    if (role !== 'assistant') fail(`${where} has tool_calls, but only assistant messages can call tools.`);
    if (!Array.isArray(v.tool_calls)) fail(`${where}.tool_calls must be an array.`);
    msg.tool_calls = v.tool_calls.map((c, k) => parseToolCall(c, `${where}.tool_calls[${k}]`));
  }
  if (role === 'tool') msg.tool_call_id = str(v.tool_call_id, `${where}.tool_call_id (the id of the call this is the result of)`);
  else if (v.tool_call_id !== undefined) fail(`${where} has tool_call_id, but only tool messages answer a call.`);
  if (msg.content === null && !(msg.tool_calls?.length)) {
    if (v.content === undefined) fail(`${where} has no "content".`);
    fail(`${where}.content is null, which only an assistant message with tool_calls may have.`);
  }
  return msg;
}

function parseTool(v: unknown, i: number): ToolDefinition {
  const where = `tools[${i}]`;
  if (!isObject(v)) fail(`${where} must be an object like {"type": "function", "function": {"name": "...", "parameters": {...}}}.`);
  if (v.type !== undefined && v.type !== 'function') fail(`${where}.type must be "function".`);
  if (!isObject(v.function)) fail(`${where}.function must be an object with at least a "name".`);
  const name = str(v.function.name, `${where}.function.name`);
  const problem = toolNameProblem(name);
  if (problem) fail(`${where}.function.name ${problem}`);
  const fn: ToolDefinition['function'] = { name };
  if (v.function.description !== undefined) fn.description = str(v.function.description, `${where}.function.description`);
  if (v.function.parameters !== undefined) {
    if (!isObject(v.function.parameters)) fail(`${where}.function.parameters must be a JSON-schema object, e.g. {"type": "object", "properties": {...}}.`);
    fn.parameters = v.function.parameters;
  }
  return { type: 'function', function: fn };
}

function parseConversation(value: unknown): Conversation {
  let messages: unknown;
  let tools: unknown = [];
  if (Array.isArray(value)) messages = value;
  else if (isObject(value)) {
    if (!('messages' in value)) fail('The JSON must have a "messages" array (or be an array of messages).');
    messages = value.messages;
    if (value.tools !== undefined && value.tools !== null) tools = value.tools;
  } else fail(`The JSON must be an object with a "messages" array, but it is ${describe(value)}.`);
  if (!Array.isArray(messages)) fail(`"messages" must be an array, but it is ${describe(messages)}.`);
  if (!Array.isArray(tools)) fail(`"tools" must be an array, but it is ${describe(tools)}.`);
  return { messages: messages.map(parseMessage), tools: tools.map(parseTool) };
}

export function importConversation(json: string): ImportResult {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return { ok: false, error: `This is not valid JSON (${err instanceof Error ? err.message : String(err)}). Nothing was changed.` };
  }
  try {
    return { ok: true, conversation: parseConversation(value) };
  } catch (err) {
    if (err instanceof ImportError) return { ok: false, error: `${err.message} Nothing was changed.` };
    throw err;
  }
}

/** Why a tool name would be refused (OpenAI's rule, which the templates assume), or null when it is fine. */
export function toolNameProblem(name: string): string | null {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name) ? null : `"${name}" must be 1–64 letters, digits, "_" or "-".`;
}

/**
 * A conversation kept in storage: valid, or — when something in it no longer validates (a tool named
 * "get weather", say) — as the user left it, with the problem, so that their work is never replaced by defaults.
 * Null only when the value is not a conversation at all.
 */
export function readStoredConversation(value: unknown): { conversation: Conversation; problem: string | null } | null {
  try {
    return { conversation: parseConversation(value), problem: null };
  } catch (err) {
    if (!(err instanceof ImportError) || !isLooseConversation(value)) return null;
    return { conversation: value, problem: err.message };
  }
}

/** The shape the editors can show, whatever the values inside. */
function isLooseConversation(v: unknown): v is Conversation {
  if (!isObject(v) || !Array.isArray(v.messages) || !Array.isArray(v.tools)) return false;
  const messagesOk = v.messages.every((m) => isObject(m) && ROLES.includes(m.role as Role) && (typeof m.content === 'string' || m.content === null));
  const toolsOk = v.tools.every((t) => isObject(t) && isObject(t.function) && typeof t.function.name === 'string');
  return messagesOk && toolsOk;
}
