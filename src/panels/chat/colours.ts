/** Colours of the parts (light, so dark text on them passes WCAG AA contrast). */
import type { CSSProperties } from 'react';
import type { BudgetPart, PartKind } from '../../engine/chat/types';

export const BUDGET_COLOURS: Record<BudgetPart, string> = {
  system: '#e4d4ff',
  user: '#cfe6ff',
  assistant: '#c9f0d2',
  tool: '#ffe2b8',
  tools: '#ffd0dc',
  template: '#e3e5ea',
  output: '#fff6a8',
};

export const BUDGET_LABELS: Record<BudgetPart, string> = {
  system: 'system',
  user: 'user',
  assistant: 'assistant (incl. tool calls)',
  tool: 'tool results',
  tools: 'tool definitions',
  template: 'template scaffolding',
  output: 'reserved output',
};

const PART_KINDS: PartKind[] = ['template', 'tools', 'tool_def', 'system', 'user', 'assistant', 'tool_call', 'tool_result'];

/**
 * Every part's colour as a custom property (`--part-user`…), set once on the element around the rendered template:
 * its tokens take theirs from a class (chat.css), since an inline style on each of 100,000 tokens is slow to set.
 */
export const PART_COLOUR_PROPERTIES = Object.fromEntries(PART_KINDS.map((k) => [`--part-${k}`, partColour(k)])) as CSSProperties;

function partColour(kind: PartKind): string {
  switch (kind) {
    case 'tool_call':
      return '#9fe0b0';
    case 'tool_result':
      return BUDGET_COLOURS.tool;
    case 'tool_def':
      return BUDGET_COLOURS.tools;
    default:
      return BUDGET_COLOURS[kind];
  }
}
