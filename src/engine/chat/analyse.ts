/**
 * One full analysis of the chat lab's state: render, attribute, count, budget,
 * tool costs, tool-call tokens and (optionally) growth. Runs in the worker.
 */
import { attributeTokens, cachedPrefixGap, computeBudget, counterOf, growthCost, simulateGrowth, toolCallTokenRange, toolCosts } from './budget';
import type { Budget, GrowthCost, GrowthResult, ToolCost } from './budget';
import type { ModelLimits } from './models';
import { renderChat } from './render';
import type { TemplateSpec } from './render';
import type { Conversation, Part, TokenizerLike } from './types';

export interface ChatAnalyseInput {
  conversation: Conversation;
  addGenerationPrompt: boolean;
  reservedOutput: number;
  /** 0: no growth simulation */
  growthTurns: number;
}

export interface ChatAnalysis {
  text: string;
  templateKind: TemplateSpec['kind'];
  attribution: 'sentinel' | 'direct' | 'search';
  toolsRendered: boolean;
  toolCallsRendered: boolean;
  parts: Part[];
  labels: Uint16Array;
  ids: Uint32Array;
  offsets: Uint32Array;
  tokenParts: Uint16Array;
  perPart: number[];
  limits: ModelLimits;
  budget: Budget;
  toolCosts: { perTool: ToolCost[]; allTools: number };
  toolCallRanges: { messageIndex: number; range: [number, number] }[];
  growth: GrowthResult | null;
  /** the growth's cost with and without prompt caching (null: no growth, or no price) */
  growthCost: GrowthCost | null;
}

export function analyseChat(spec: TemplateSpec, tokenizer: TokenizerLike, limits: ModelLimits, input: ChatAnalyseInput): ChatAnalysis {
  const opts = { addGenerationPrompt: input.addGenerationPrompt };
  const r = renderChat(spec, input.conversation, opts);
  const a = attributeTokens(r, tokenizer);
  const count = counterOf(tokenizer);
  const toolCallRanges: ChatAnalysis['toolCallRanges'] = [];
  input.conversation.messages.forEach((m, i) => {
    if (!m.tool_calls?.length) return;
    const range = toolCallTokenRange(r, a, i);
    if (range) toolCallRanges.push({ messageIndex: i, range });
  });
  const turns = Math.min(input.growthTurns, MAX_GROWTH_TURNS);
  const growth = turns > 0 ? simulateGrowth(spec, input.conversation, opts, count, input.reservedOutput, limits.contextWindow, turns) : null;
  const cost =
    growth && limits.inputPricePerM != null
      ? growthCost((n) => growth.firstTurn + (n - 1) * growth.perTurn, turns, cachedPrefixGap(spec, input.conversation, opts, tokenizer), input.reservedOutput, limits)
      : null;
  return {
    text: r.text,
    templateKind: spec.kind,
    attribution: r.attribution,
    toolsRendered: r.toolsRendered,
    toolCallsRendered: r.toolCallsRendered,
    parts: r.parts,
    labels: r.labels,
    ids: a.ids,
    offsets: a.offsets,
    tokenParts: a.tokenParts,
    perPart: a.perPart,
    limits,
    budget: computeBudget(r.parts, a.perPart, input.reservedOutput, limits),
    toolCosts: input.conversation.tools.length ? toolCosts(spec, input.conversation, opts, count) : { perTool: [], allTools: 0 },
    toolCallRanges,
    growth,
    growthCost: cost,
  };
}

const MAX_GROWTH_TURNS = 2000;
