/**
 * Token accounting on top of a render: tokens per part (from token offsets),
 * the context budget by role, growth over repeated turns with a drop-oldest
 * policy, the cost of each tool definition, and the tokens of a tool call.
 */
import type { RenderOptions, RenderResult, TemplateSpec } from './render';
import { renderText } from './render';
import type { BudgetPart, ChatMessage, Conversation, Part, PartKind, TokenizerLike } from './types';
import type { ModelLimits } from './models';

export interface TokenAttribution {
  ids: Uint32Array;
  offsets: Uint32Array;
  /** part id of each token (the part that owns most of its characters) */
  tokenParts: Uint16Array;
  /** token count per part id */
  perPart: number[];
}

export function attributeTokens(render: RenderResult, tokenizer: TokenizerLike): TokenAttribution {
  const { ids, offsets } = tokenizer.encode(render.text, { specialTokens: true });
  const { labels } = render;
  const n = ids.length;
  const tokenParts = new Uint16Array(n);
  const perPart = new Array<number>(render.parts.length).fill(0);
  const counts = new Map<number, number>();
  for (let t = 0; t < n; t++) {
    const s = offsets[2 * t];
    const e = offsets[2 * t + 1];
    let best: number;
    if (e <= s) {
      best = labels[Math.min(s, labels.length - 1)] ?? 0;
    } else {
      counts.clear();
      best = labels[s];
      let bestCount = 0;
      for (let i = s; i < e; i++) {
        const c = (counts.get(labels[i]) ?? 0) + 1;
        counts.set(labels[i], c);
        if (c > bestCount) {
          bestCount = c;
          best = labels[i];
        }
      }
    }
    tokenParts[t] = best;
    perPart[best]++;
  }
  return { ids, offsets, tokenParts, perPart };
}

const BUDGET_PARTS: readonly BudgetPart[] = ['system', 'user', 'assistant', 'tool', 'tools', 'template', 'output'];

function budgetPartOf(kind: PartKind): Exclude<BudgetPart, 'output'> {
  switch (kind) {
    case 'system':
    case 'user':
    case 'assistant':
    case 'template':
    case 'tools':
      return kind;
    case 'tool_call':
      return 'assistant';
    case 'tool_result':
      return 'tool';
    case 'tool_def':
      return 'tools';
  }
}

export interface Budget {
  segments: { part: BudgetPart; tokens: number }[];
  inputTokens: number;
  reservedOutput: number;
  used: number;
  contextWindow: number | null;
  remaining: number | null;
  percent: number | null;
  overflow: boolean;
  cost: { input: number; output: number; total: number } | null;
}

export function computeBudget(parts: Part[], perPart: number[], reservedOutput: number, limits: ModelLimits): Budget {
  const byGroup = new Map<BudgetPart, number>();
  let inputTokens = 0;
  parts.forEach((p, i) => {
    const g = budgetPartOf(p.kind);
    byGroup.set(g, (byGroup.get(g) ?? 0) + perPart[i]);
    inputTokens += perPart[i];
  });
  const segments: { part: BudgetPart; tokens: number }[] = BUDGET_PARTS.filter((p) => p !== 'output')
    .map((part) => ({ part, tokens: byGroup.get(part) ?? 0 }))
    .filter((s) => s.tokens > 0);
  segments.push({ part: 'output', tokens: reservedOutput });
  const used = inputTokens + reservedOutput;
  const w = limits.contextWindow;
  const cost =
    limits.inputPricePerM != null && limits.outputPricePerM != null
      ? {
          input: (inputTokens * limits.inputPricePerM) / 1e6,
          output: (reservedOutput * limits.outputPricePerM) / 1e6,
          total: (inputTokens * limits.inputPricePerM + reservedOutput * limits.outputPricePerM) / 1e6,
        }
      : null;
  return {
    segments,
    inputTokens,
    reservedOutput,
    used,
    contextWindow: w,
    remaining: w == null ? null : w - used,
    percent: w == null ? null : (100 * used) / w,
    overflow: w != null && used > w,
    cost,
  };
}

// ------------------------------------------------------------------ growth

export type TokenCounter = (text: string) => number;

export function counterOf(tokenizer: TokenizerLike): TokenCounter {
  return (text) => tokenizer.encode(text, { specialTokens: true }).ids.length;
}

/** The conversation with its non-system messages repeated `turns` times (the system messages stay once, first). */
export function repeatConversation(conv: Conversation, turns: number): Conversation {
  const system = conv.messages.filter((m) => m.role === 'system');
  const rest = conv.messages.filter((m) => m.role !== 'system');
  const messages: ChatMessage[] = [...system];
  for (let t = 0; t < turns; t++) messages.push(...rest);
  return { tools: conv.tools, messages };
}

interface GrowthPoint {
  turns: number;
  inputTokens: number;
  /** input + reserved output */
  total: number;
  exact: boolean;
}

interface DroppedMessage {
  /** index in the repeated conversation */
  index: number;
  turn: number;
  role: ChatMessage['role'];
  preview: string;
  /** how many tokens leaving it out saved */
  tokens: number;
}

export interface GrowthResult {
  points: GrowthPoint[];
  /** input tokens with one turn; with n turns: firstTurn + (n − 1) × perTurn */
  firstTurn: number;
  perTurn: number;
  /** the first number of turns whose total exceeds the window; null if none up to maxTurns */
  overflowAt: number | null;
  contextWindow: number | null;
  /** the drop-oldest policy applied to the conversation at maxTurns */
  dropped: DroppedMessage[];
  keptMessages: number;
  totalAfterDrop: number | null;
  /** when even dropping everything but the system messages does not fit */
  cannotFit: boolean;
}

/** A message whose removal would leave a tool result without its call (or a call without results) is removed together. */
function dropOldest(messages: ChatMessage[]): { rest: ChatMessage[]; removed: number } | null {
  const first = messages.findIndex((m) => m.role !== 'system');
  if (first < 0) return null;
  let end = first + 1;
  // keep call/result pairs together, and let the remaining history start with a user message
  while (end < messages.length && messages[end].role !== 'system' && messages[end].role !== 'user') end++;
  return { rest: [...messages.slice(0, first), ...messages.slice(end)], removed: end - first };
}

export function simulateGrowth(
  spec: TemplateSpec,
  conv: Conversation,
  opts: RenderOptions,
  count: TokenCounter,
  reservedOutput: number,
  contextWindow: number | null,
  maxTurns: number,
): GrowthResult {
  const tokensAt = (turns: number) => count(renderText(spec, repeatConversation(conv, turns), opts));
  const t1 = tokensAt(1);
  const t2 = maxTurns >= 2 ? tokensAt(2) : t1;
  const perTurn = t2 - t1;
  const predict = (n: number) => t1 + (n - 1) * perTurn;
  const points: GrowthPoint[] = [];
  const exactCache = new Map<number, number>([[1, t1], [2, t2]]);
  const exactAt = (n: number) => {
    let v = exactCache.get(n);
    if (v === undefined) {
      v = tokensAt(n);
      exactCache.set(n, v);
    }
    return v;
  };
  // the per-turn cost is constant for these templates; verify that at the far end and at the overflow point
  exactAt(maxTurns);
  let overflowAt: number | null = null;
  if (contextWindow != null) {
    // smallest n with exact total > window (totals grow with n): binary search on exact counts
    if (exactAt(maxTurns) + reservedOutput > contextWindow) {
      let lo = 1;
      let hi = maxTurns;
      if (exactAt(1) + reservedOutput > contextWindow) hi = 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (exactAt(mid) + reservedOutput > contextWindow) hi = mid;
        else lo = mid + 1;
      }
      overflowAt = hi;
    }
  }
  const step = Math.max(1, Math.ceil(maxTurns / 200));
  for (let n = 1; n <= maxTurns; n += step) pushPoint(n);
  if ((maxTurns - 1) % step !== 0) pushPoint(maxTurns);
  function pushPoint(n: number) {
    const exact = exactCache.get(n);
    const inputTokens = exact ?? predict(n);
    points.push({ turns: n, inputTokens, total: inputTokens + reservedOutput, exact: exact !== undefined });
  }

  // drop-oldest at maxTurns
  const dropped: DroppedMessage[] = [];
  let messages = repeatConversation(conv, maxTurns).messages;
  const turnLen = conv.messages.filter((m) => m.role !== 'system').length;
  const systemCount = conv.messages.length - turnLen;
  let total = exactAt(maxTurns);
  let cannotFit = false;
  let totalAfterDrop: number | null = null;
  if (contextWindow != null) {
    const budget = contextWindow - reservedOutput;
    let originalIndex = systemCount;
    const record = (removedMsgs: ChatMessage[], saved: number) => {
      removedMsgs.forEach((m, k) => {
        dropped.push({
          index: originalIndex + k,
          turn: Math.floor((originalIndex + k - systemCount) / Math.max(1, turnLen)) + 1,
          role: m.role,
          preview: (m.content || m.tool_calls?.map((c) => `call ${c.function.name}`).join(', ') || '').slice(0, 60),
          tokens: k === removedMsgs.length - 1 ? saved : 0,
        });
      });
      originalIndex += removedMsgs.length;
    };
    // Far from the budget, whole turns are dropped with the savings measured once on a
    // 3-turn conversation (every turn is identical); near it, every drop is measured exactly.
    let oneTurn: { removed: number; saved: number }[] | null = null;
    if (turnLen > 0 && maxTurns > 3 && total - budget > 2 * perTurn) {
      oneTurn = [];
      let small = repeatConversation(conv, 3).messages;
      let smallTotal = exactAt(3);
      let removedSoFar = 0;
      while (removedSoFar < turnLen) {
        const next = dropOldest(small);
        if (!next) break;
        const after = count(renderText(spec, { tools: conv.tools, messages: next.rest }, opts));
        oneTurn.push({ removed: next.removed, saved: smallTotal - after });
        removedSoFar += next.removed;
        small = next.rest;
        smallTotal = after;
      }
      if (removedSoFar !== turnLen) oneTurn = null;
    }
    let estimated = false;
    while (oneTurn && total - budget > 2 * perTurn && messages.length - systemCount > 3 * turnLen) {
      for (const d of oneTurn) {
        record(messages.slice(systemCount, systemCount + d.removed), d.saved);
        messages = [...messages.slice(0, systemCount), ...messages.slice(systemCount + d.removed)];
        total -= d.saved;
      }
      estimated = true;
    }
    if (estimated) total = count(renderText(spec, { tools: conv.tools, messages }, opts));
    while (total > budget) {
      const next = dropOldest(messages);
      if (!next) {
        cannotFit = true;
        break;
      }
      const after = count(renderText(spec, { tools: conv.tools, messages: next.rest }, opts));
      record(messages.slice(systemCount, systemCount + next.removed), total - after);
      messages = next.rest;
      total = after;
      if (messages.length === systemCount) {
        cannotFit = total > budget;
        break;
      }
    }
    totalAfterDrop = total;
  }
  return { points, firstTurn: t1, perTurn, overflowAt, contextWindow, dropped, keptMessages: messages.length, totalAfterDrop, cannotFit };
}

// ------------------------------------------------------------------ prompt caching

/**
 * How many tokens at the end of one turn's request the next request does not repeat: the next request starts with
 * the previous one's tokens up to where they part (typically the generation prompt, replaced by the reply).
 */
export function cachedPrefixGap(spec: TemplateSpec, conv: Conversation, opts: RenderOptions, tokenizer: TokenizerLike): number {
  const one = tokenizer.encode(renderText(spec, repeatConversation(conv, 1), opts), { specialTokens: true }).ids;
  const two = tokenizer.encode(renderText(spec, repeatConversation(conv, 2), opts), { specialTokens: true }).ids;
  let common = 0;
  while (common < one.length && common < two.length && one[common] === two[common]) common++;
  return one.length - common;
}

export interface GrowthCost {
  /** one request per turn, turns 1..N */
  requests: number;
  inputTokens: number;
  /** input tokens that repeat the previous request's prefix (billed at the cached price when there is one) */
  cachedTokens: number;
  outputTokens: number;
  /** USD: every input token at the input price */
  withoutCaching: number;
  /** USD: the repeated prefix at the cached-input price; null when the catalogue has no cached price */
  withCaching: number | null;
}

/**
 * The cost of a conversation that grows by one turn per request: request n sends `inputAt(n)` tokens, of which the
 * previous request's `inputAt(n − 1) − gap` form a prefix a provider's prompt cache can serve, and generates
 * `reservedOutput` tokens. Null when the model has no input/output price.
 */
export function growthCost(inputAt: (n: number) => number, turns: number, gap: number, reservedOutput: number, limits: ModelLimits): GrowthCost | null {
  const { inputPricePerM: pin, outputPricePerM: pout, cachedInputPricePerM: pcache } = limits;
  if (pin == null || pout == null || turns < 1) return null;
  let inputTokens = 0;
  let cachedTokens = 0;
  for (let n = 1; n <= turns; n++) {
    inputTokens += inputAt(n);
    if (n > 1) cachedTokens += Math.max(0, inputAt(n - 1) - gap);
  }
  const outputTokens = turns * reservedOutput;
  const withoutCaching = (inputTokens * pin + outputTokens * pout) / 1e6;
  const withCaching = pcache == null ? null : ((inputTokens - cachedTokens) * pin + cachedTokens * pcache + outputTokens * pout) / 1e6;
  return { requests: turns, inputTokens, cachedTokens, outputTokens, withoutCaching, withCaching };
}

// ------------------------------------------------------------------ tools

export interface ToolCost {
  toolIndex: number;
  name: string;
  /** tokens(with every tool) − tokens(without this one) */
  tokens: number;
}

export function toolCosts(spec: TemplateSpec, conv: Conversation, opts: RenderOptions, count: TokenCounter): { perTool: ToolCost[]; allTools: number } {
  const full = count(renderText(spec, conv, opts));
  const none = count(renderText(spec, { ...conv, tools: [] }, opts));
  const perTool = conv.tools.map((t, i) => ({
    toolIndex: i,
    name: t.function.name,
    tokens: full - count(renderText(spec, { ...conv, tools: conv.tools.filter((_, j) => j !== i) }, opts)),
  }));
  return { perTool, allTools: full - none };
}

/**
 * The tokens of an assistant message's tool call(s): from the template text just
 * before the first call field to the template text just after the last one
 * (the markup the model itself must emit to call a tool).
 */
export function toolCallTokenRange(render: RenderResult, attribution: TokenAttribution, messageIndex: number): [number, number] | null {
  const callParts = new Set(render.parts.filter((p) => p.kind === 'tool_call' && p.messageIndex === messageIndex).map((p) => p.id));
  if (callParts.size === 0) return null;
  const { tokenParts } = attribution;
  let first = -1;
  let last = -1;
  for (let t = 0; t < tokenParts.length; t++) {
    if (callParts.has(tokenParts[t])) {
      if (first < 0) first = t;
      last = t;
    }
  }
  if (first < 0) return null;
  // extend over the scaffolding (template-owned tokens) that surrounds the call
  const isScaffold = (t: number) => render.parts[tokenParts[t]].kind === 'template' || callParts.has(tokenParts[t]);
  while (first > 0 && isScaffold(first - 1)) first--;
  while (last + 1 < tokenParts.length && isScaffold(last + 1)) last++;
  return [first, last + 1];
}
