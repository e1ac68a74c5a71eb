/**
 * Renders a conversation with a model family's own chat template and records,
 * for every character of the result, which message / part it came from.
 *
 * Exactness: the string shown is always the template's own output (the same
 * Jinja engine and the same variables as Transformers.js' apply_chat_template).
 * Attribution is computed on the side, with unique private-use sentinels wrapped
 * around every message field; it is accepted only when the sentinel render,
 * with the sentinels removed, is identical to the real render. Otherwise a
 * labelled fallback (ordered search) is used and reported as such.
 */
import { Template } from '@huggingface/jinja';
import { formatFunctionDefinitions } from 'gpt-tokenizer/functionCalling';
import type { ChatCompletionFunctionDefinition } from 'gpt-tokenizer/functionCalling';
import type { ChatMessage, Conversation, Part, PartKind, ToolDefinition } from './types';
import { commonEnds } from '../textEdit';

export type TemplateSpec =
  | { kind: 'jinja'; template: string; specialTokens: Record<string, string>; toolCallContent: 'null' | 'empty' }
  /** OpenAI's chat format as gpt-tokenizer's encodeChat writes it (see renderOpenAI) */
  | { kind: 'openai' }
  /** no chat template: messages joined as "role: content" lines, clearly labelled as a fallback */
  | { kind: 'plain' };

export interface RenderOptions {
  addGenerationPrompt: boolean;
}

export interface RenderResult {
  text: string;
  parts: Part[];
  /** labels[i] = id of the part that character i of text came from */
  labels: Uint16Array;
  /** how the attribution was obtained */
  attribution: 'sentinel' | 'direct' | 'search';
  /** whether the template printed the tool definitions / tool calls at all */
  toolsRendered: boolean;
  toolCallsRendered: boolean;
}

const TEMPLATE_PART = 0;
const TOOLS_PART = 1;

// ------------------------------------------------------------------ parts

interface PartTable {
  parts: Part[];
  toolPart: number[];
  contentPart: (number | undefined)[];
  callParts: { name: number; args: number }[][];
}

function kindOfContent(role: ChatMessage['role']): PartKind {
  switch (role) {
    case 'system':
      return 'system';
    case 'user':
      return 'user';
    case 'assistant':
      return 'assistant';
    case 'tool':
      return 'tool_result';
  }
}

function buildParts(conv: Conversation): PartTable {
  const parts: Part[] = [
    { id: TEMPLATE_PART, kind: 'template', label: 'template scaffolding' },
    { id: TOOLS_PART, kind: 'tools', label: 'tool definitions (template text)' },
  ];
  const add = (p: Omit<Part, 'id'>): number => {
    parts.push({ ...p, id: parts.length });
    return parts.length - 1;
  };
  const toolPart = conv.tools.map((t, i) => add({ kind: 'tool_def', toolIndex: i, label: `tool ${t.function.name}` }));
  const contentPart: (number | undefined)[] = [];
  const callParts: { name: number; args: number }[][] = [];
  conv.messages.forEach((m, i) => {
    contentPart.push(m.content === null ? undefined : add({ kind: kindOfContent(m.role), messageIndex: i, label: `#${i + 1} ${m.role}` }));
    callParts.push(
      (m.tool_calls ?? []).map((c, k) => ({
        name: add({ kind: 'tool_call', messageIndex: i, callIndex: k, field: 'name', label: `#${i + 1} call ${c.function.name} (name)` }),
        args: add({ kind: 'tool_call', messageIndex: i, callIndex: k, field: 'arguments', label: `#${i + 1} call ${c.function.name} (arguments)` }),
      })),
    );
  });
  return { parts, toolPart, contentPart, callParts };
}

// ------------------------------------------------------------------ jinja

const compiled = new Map<string, Template>();
function compile(template: string): Template {
  let t = compiled.get(template);
  if (!t) {
    t = new Template(template);
    compiled.set(template, t);
  }
  return t;
}

type TemplateMessage = Record<string, unknown>;

/** The exact objects handed to the template (OpenAI-style, undefined keys omitted). */
export function toTemplateMessages(messages: ChatMessage[], toolCallContent: 'null' | 'empty'): TemplateMessage[] {
  return messages.map((m) => {
    const out: TemplateMessage = { role: m.role };
    let content = m.content;
    const hasCalls = (m.tool_calls?.length ?? 0) > 0;
    if (hasCalls && (content === null || content === '')) content = toolCallContent === 'null' ? null : '';
    if (content === null && !hasCalls) content = '';
    out.content = content;
    if (hasCalls) out.tool_calls = m.tool_calls!.map((c) => ({ id: c.id, type: c.type, function: { name: c.function.name, arguments: c.function.arguments } }));
    if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
    if (m.name !== undefined) out.name = m.name;
    return out;
  });
}

export function toTemplateTools(tools: ToolDefinition[]): Record<string, unknown>[] | null {
  if (tools.length === 0) return null;
  return tools.map((t) => {
    const fn: Record<string, unknown> = { name: t.function.name };
    if (t.function.description !== undefined) fn.description = t.function.description;
    if (t.function.parameters !== undefined) fn.parameters = t.function.parameters;
    return { type: t.type, function: fn };
  });
}

/** Renders like Transformers.js' apply_chat_template(messages, { tools, add_generation_prompt, tokenize: false }). */
function renderJinjaRaw(
  spec: Extract<TemplateSpec, { kind: 'jinja' }>,
  messages: TemplateMessage[],
  tools: Record<string, unknown>[] | null,
  addGenerationPrompt: boolean,
): string {
  return compile(spec.template).render({
    messages,
    add_generation_prompt: addGenerationPrompt,
    tools,
    documents: null,
    ...spec.specialTokens,
  });
}

const OPEN = 0xe000;
const CLOSE = 0xe001;
const ID_BASE = 0xe100;
const MAX_PARTS = 0xf8ff - ID_BASE;
const PRIVATE_USE = /[\uE000-\uF8FF]/;

function wrap(s: string, id: number): { text: string; lead: string; trail: string } {
  const lead = /^\s*/.exec(s)![0];
  const rest = s.slice(lead.length);
  const trail = /\s*$/.exec(rest)![0];
  const core = rest.slice(0, rest.length - trail.length);
  return { text: lead + String.fromCharCode(OPEN, ID_BASE + id) + core + String.fromCharCode(CLOSE) + trail, lead, trail };
}

interface RawSpan {
  partId: number;
  start: number;
  end: number;
}

/** Removes the sentinels, returning the clean text and where each wrapped field landed; null if unbalanced. */
function parseSentinels(s: string): { text: string; spans: RawSpan[] } | null {
  let out = '';
  let runStart = 0;
  const stack: { id: number; start: number }[] = [];
  const spans: RawSpan[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== OPEN && c !== CLOSE) continue;
    out += s.slice(runStart, i);
    if (c === OPEN) {
      stack.push({ id: s.charCodeAt(i + 1) - ID_BASE, start: out.length });
      i++;
    } else {
      const top = stack.pop();
      if (!top) return null;
      spans.push({ partId: top.id, start: top.start, end: out.length });
    }
    runStart = i + 1;
  }
  if (stack.length) return null;
  out += s.slice(runStart);
  return { text: out, spans };
}

function stringsOf(conv: Conversation): string[] {
  const out: string[] = [JSON.stringify(conv.tools)];
  for (const m of conv.messages) {
    if (m.content) out.push(m.content);
    for (const c of m.tool_calls ?? []) out.push(c.function.name, c.function.arguments);
  }
  return out;
}

function renderJinja(spec: Extract<TemplateSpec, { kind: 'jinja' }>, conv: Conversation, opts: RenderOptions): RenderResult {
  const table = buildParts(conv);
  const msgs = toTemplateMessages(conv.messages, spec.toolCallContent);
  const tools = toTemplateTools(conv.tools);
  const text = renderJinjaRaw(spec, msgs, tools, opts.addGenerationPrompt);
  const labels = new Uint16Array(text.length); // all TEMPLATE_PART

  // 1. tool definitions: what the text loses when they are left out
  let toolsRendered = false;
  if (conv.tools.length > 0) {
    // the tools block is what lies between the common start and end of the two renders
    const bare = commonEnds(text, renderJinjaRaw(spec, msgs, null, opts.addGenerationPrompt));
    const ts = bare.prefix;
    const te = text.length - bare.suffix;
    if (te > ts) {
      toolsRendered = true;
      labels.fill(TOOLS_PART, ts, te);
      conv.tools.forEach((tool, i) => {
        const others = conv.tools.filter((_, j) => j !== i);
        const without = renderJinjaRaw(spec, msgs, toTemplateTools(others), opts.addGenerationPrompt);
        const ends = commonEnds(text, without);
        let s = ends.prefix;
        let e = text.length - ends.suffix;
        // an inserted block can "slide" where its neighbours look alike: slide it over its own name
        const nameAt = text.indexOf(tool.function.name, ts);
        while (nameAt >= 0 && nameAt < s && s > ts && text.charCodeAt(s - 1) === text.charCodeAt(e - 1)) {
          s--;
          e--;
        }
        if (e > s) labels.fill(table.toolPart[i], s, e);
      });
    }
  }

  // 2. message fields, through sentinels
  let attribution: RenderResult['attribution'] = 'search';
  let spans: RawSpan[] | null = null;
  const strings = stringsOf(conv);
  if (table.parts.length < MAX_PARTS && !strings.some((s) => PRIVATE_USE.test(s))) {
    const ws = new Map<number, { lead: string; trail: string }>();
    const w = (s: string, id: number): string => {
      if (s === '') return s; // an empty field has no span, and wrapping it would make it truthy
      const r = wrap(s, id);
      if (r.lead || r.trail) ws.set(id, r);
      return r.text;
    };
    const wrapped = msgs.map((m, i) => {
      const out = { ...m };
      const cp = table.contentPart[i];
      if (typeof m.content === 'string' && cp !== undefined) out.content = w(m.content, cp);
      if (m.tool_calls) {
        out.tool_calls = (m.tool_calls as { id: string; type: string; function: { name: string; arguments: string } }[]).map((c, k) => ({
          ...c,
          function: { name: w(c.function.name, table.callParts[i][k].name), arguments: w(c.function.arguments, table.callParts[i][k].args) },
        }));
      }
      return out;
    });
    try {
      const parsed = parseSentinels(renderJinjaRaw(spec, wrapped, tools, opts.addGenerationPrompt));
      if (parsed && parsed.text === text) {
        spans = parsed.spans;
        attribution = 'sentinel';
        if (ws.size > 0) {
          // does the template keep the fields' outer whitespace? then it belongs to the field too
          const trimmed = msgs.map((m) => (typeof m.content === 'string' ? { ...m, content: m.content.trim() } : m));
          const keepsWhitespace = renderJinjaRaw(spec, trimmed, tools, opts.addGenerationPrompt) !== text;
          if (keepsWhitespace) {
            for (const sp of spans) {
              const r = ws.get(sp.partId);
              if (!r) continue;
              if (r.lead && text.slice(sp.start - r.lead.length, sp.start) === r.lead) sp.start -= r.lead.length;
              if (r.trail && text.slice(sp.end, sp.end + r.trail.length) === r.trail) sp.end += r.trail.length;
            }
          }
        }
      }
    } catch {
      spans = null; // the sentinels changed the template's control flow: fall back below
    }
  }
  if (!spans) spans = searchSpans(text, conv, table);
  for (const sp of spans) labels.fill(sp.partId, sp.start, sp.end);
  const toolCallsRendered = spans.some((sp) => table.parts[sp.partId].kind === 'tool_call');
  return { text, parts: table.parts, labels, attribution, toolsRendered, toolCallsRendered };
}

/** Fallback attribution: find each field's text in order (exact text, else trimmed). */
function searchSpans(text: string, conv: Conversation, table: PartTable): RawSpan[] {
  const spans: RawSpan[] = [];
  let cursor = 0;
  const find = (s: string, partId: number) => {
    for (const candidate of [s, s.trim()]) {
      if (!candidate) continue;
      const at = text.indexOf(candidate, cursor);
      if (at >= 0) {
        spans.push({ partId, start: at, end: at + candidate.length });
        cursor = at + candidate.length;
        return;
      }
    }
  };
  conv.messages.forEach((m, i) => {
    const cp = table.contentPart[i];
    if (m.content && cp !== undefined) find(m.content, cp);
    (m.tool_calls ?? []).forEach((c, k) => {
      find(c.function.name, table.callParts[i][k].name);
      find(c.function.arguments, table.callParts[i][k].args);
    });
  });
  return spans;
}

// ------------------------------------------------------------------ OpenAI


const IM_START = '<|im_start|>';
const IM_SEP = '<|im_sep|>';
const IM_END = '<|im_end|>';
const FUNCTIONS_HEADER = 'namespace functions {\n\n';
const FUNCTIONS_FOOTER = '} // namespace functions';

class Builder {
  text = '';
  private readonly runs: { start: number; end: number; partId: number }[] = [];
  push(s: string, partId: number = TEMPLATE_PART): void {
    if (partId !== TEMPLATE_PART && s.length) this.runs.push({ start: this.text.length, end: this.text.length + s.length, partId });
    this.text += s;
  }
  labels(): Uint16Array {
    const labels = new Uint16Array(this.text.length);
    for (const r of this.runs) labels.fill(r.partId, r.start, r.end);
    return labels;
  }
}

function renderOpenAI(conv: Conversation, opts: RenderOptions): RenderResult {
  const table = buildParts(conv);
  const b = new Builder();
  const msgs = conv.messages;
  const toolsBlock = () => {
    b.push('# Tools\n\n## functions\n\n' + FUNCTIONS_HEADER, TOOLS_PART);
    conv.tools.forEach((t, i) => {
      const full = formatFunctionDefinitions([t.function as ChatCompletionFunctionDefinition]);
      b.push(full.slice(FUNCTIONS_HEADER.length, full.length - FUNCTIONS_FOOTER.length), table.toolPart[i]);
    });
    b.push(FUNCTIONS_FOOTER, TOOLS_PART);
  };
  let start = 0;
  if (conv.tools.length > 0) {
    if (msgs[0]?.role === 'system') {
      b.push(`${IM_START}${msgs[0].name ?? 'system'}${IM_SEP}`);
      b.push(msgs[0].content ?? '', table.contentPart[0]);
      b.push('\n\n', TOOLS_PART);
      toolsBlock();
      b.push(IM_END);
      start = 1;
    } else {
      b.push(`${IM_START}system${IM_SEP}`, TOOLS_PART);
      toolsBlock();
      b.push(IM_END, TOOLS_PART);
    }
  }
  for (let i = start; i < msgs.length; i++) {
    const m = msgs[i];
    const calls = m.tool_calls ?? [];
    if (m.content || calls.length === 0) {
      b.push(`${IM_START}${m.name ?? m.role}${IM_SEP}`);
      b.push(m.content ?? '', table.contentPart[i]);
      b.push(IM_END);
    }
    calls.forEach((c, k) => {
      b.push(`${IM_START}assistant to=functions.`);
      b.push(c.function.name, table.callParts[i][k].name);
      b.push(IM_SEP);
      b.push(c.function.arguments, table.callParts[i][k].args);
      b.push(IM_END);
    });
  }
  if (opts.addGenerationPrompt) b.push(`${IM_START}assistant${IM_SEP}`);
  return { text: b.text, parts: table.parts, labels: b.labels(), attribution: 'direct', toolsRendered: conv.tools.length > 0, toolCallsRendered: hasToolCalls(conv) };
}

/** For the formats written here (OpenAI, plain), which print every call: are there any to print? */
function hasToolCalls(conv: Conversation): boolean {
  return conv.messages.some((m) => (m.tool_calls?.length ?? 0) > 0);
}

// ------------------------------------------------------------------ plain fallback


function renderPlain(conv: Conversation, opts: RenderOptions): RenderResult {
  const table = buildParts(conv);
  const b = new Builder();
  conv.messages.forEach((m, i) => {
    b.push(`${m.role}: `);
    b.push(m.content ?? '', table.contentPart[i]);
    (m.tool_calls ?? []).forEach((c, k) => {
      b.push(' [call ');
      b.push(c.function.name, table.callParts[i][k].name);
      b.push(' ');
      b.push(c.function.arguments, table.callParts[i][k].args);
      b.push(']');
    });
    b.push('\n');
  });
  if (opts.addGenerationPrompt) b.push('assistant:');
  return { text: b.text, parts: table.parts, labels: b.labels(), attribution: 'direct', toolsRendered: false, toolCallsRendered: hasToolCalls(conv) };
}

// ------------------------------------------------------------------ entry point

export function renderChat(spec: TemplateSpec, conv: Conversation, opts: RenderOptions): RenderResult {
  switch (spec.kind) {
    case 'jinja':
      return renderJinja(spec, conv, opts);
    case 'openai':
      return renderOpenAI(conv, opts);
    case 'plain':
      return renderPlain(conv, opts);
  }
}

/** Renders only the text (no attribution): used for growth and tool-cost what-ifs. */
export function renderText(spec: TemplateSpec, conv: Conversation, opts: RenderOptions): string {
  if (spec.kind === 'jinja') return renderJinjaRaw(spec, toTemplateMessages(conv.messages, spec.toolCallContent), toTemplateTools(conv.tools), opts.addGenerationPrompt);
  return renderChat(spec, conv, opts).text;
}
