/**
 * Chat data model: OpenAI-style messages and tool definitions, plus the
 * attribution types the renderer produces. Pure types, no runtime code.
 */

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; /** a JSON string, as in OpenAI's API */ arguments: string };
}

export interface ChatMessage {
  role: Role;
  /** null only for an assistant message that carries tool_calls and no text */
  content: string | null;
  tool_calls?: ToolCall[];
  /** for role 'tool': which call this is the result of */
  tool_call_id?: string;
  /** optional participant / tool name */
  name?: string;
}

type JsonSchema = { [key: string]: unknown };

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: JsonSchema };
}

export interface Conversation {
  messages: ChatMessage[];
  tools: ToolDefinition[];
}

/** What a character of the rendered string came from. */
export type PartKind = 'template' | 'tools' | 'tool_def' | 'system' | 'user' | 'assistant' | 'tool_call' | 'tool_result';

export interface Part {
  /** index into RenderResult.parts; labels[] refer to it */
  id: number;
  kind: PartKind;
  messageIndex?: number;
  toolIndex?: number;
  /** for tool_call parts: which call of the message, and which field */
  callIndex?: number;
  field?: 'name' | 'arguments';
  label: string;
}

/** The role-level groups of the context budget. */
export type BudgetPart = 'system' | 'user' | 'assistant' | 'tool' | 'tools' | 'template' | 'output';

export interface TokenizerLike {
  /** offsets: 2 per token, UTF-16 [start, end) into text */
  encode(text: string, opts: { specialTokens: boolean }): { ids: Uint32Array; offsets: Uint32Array };
}
