/** Colours of the parts (light, so dark text on them passes WCAG AA contrast). */
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

export function partColour(kind: PartKind): string {
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
