/**
 * The Generate lab's constraint (grammar-constrained decoding) as the user chose it, and what it compiled to.
 * Pure: the store (generateStore.ts) keeps a `ConstraintChoice` across reloads and derives the `ConstraintSpec` it
 * sends with every run and re-sample.
 */
import type { ConstraintCompilePhase, ConstraintInfo, ConstraintProblem, ConstraintSpec } from '../engine/protocol';
import type { ConstraintKind } from '../engine/grammar/types';
import { CONSTRAINT_KINDS } from '../engine/grammar/types';
import type { ToolDefinition } from '../engine/chat/types';
import { FAMILIES, type TemplateFamilyId } from '../engine/chat/catalog';
import { field, isRecord } from './persistence';

export interface ConstraintChoice {
  kind: ConstraintKind;
  /** what was typed for each kind, so switching kinds loses nothing */
  texts: Partial<Record<ConstraintKind, string>>;
  /** for 'tool': the name of one of the Chat lab's tool definitions */
  toolName: string;
}

/** Kinds whose text the user edits (the others take none, or a tool). */
export const KINDS_WITH_TEXT: readonly ConstraintKind[] = ['json-schema', 'regex', 'grammar', 'choice'];

/** What each kind's editor starts with: a small, working example that a small model can finish. */
const EXAMPLE_TEXTS: Readonly<Partial<Record<ConstraintKind, string>>> = {
  'json-schema': JSON.stringify(
    {
      type: 'object',
      properties: { name: { type: 'string', maxLength: 12 }, age: { type: 'integer', minimum: 0, maximum: 120 }, ship: { enum: ['yes', 'no'] } },
      required: ['name', 'age', 'ship'],
    },
    null,
    2,
  ),
  regex: '[A-Z][a-z]{2,8} (is|was) [0-9]{1,3}\\.',
  grammar: 'root ::= subject " " verb "."\nsubject ::= "The ship" | "The sea"\nverb ::= "sank" | "sailed" | "waited"',
  choice: 'positive\nnegative\nneutral',
};

export const DEFAULT_CONSTRAINT: ConstraintChoice = { kind: 'none', texts: {}, toolName: '' };

export function readConstraintChoice(stored: unknown): ConstraintChoice | undefined {
  if (!isRecord(stored)) return undefined;
  const kinds = CONSTRAINT_KINDS.map((k) => k.kind);
  const texts: Partial<Record<ConstraintKind, string>> = {};
  if (isRecord(stored.texts)) {
    for (const kind of kinds) {
      const text = field.string(stored.texts[kind]);
      if (text !== undefined) texts[kind] = text;
    }
  }
  return { kind: field.oneOf(stored.kind, kinds) ?? 'none', texts, toolName: field.string(stored.toolName) ?? '' };
}

export function constraintText(choice: ConstraintChoice, kind: ConstraintKind = choice.kind): string {
  return choice.texts[kind] ?? EXAMPLE_TEXTS[kind] ?? '';
}

/** The Chat lab's template as a tool-call family (its own model families; otherwise Qwen's widely used format). */
export function toolFamilyOf(templateId: string): TemplateFamilyId {
  return FAMILIES.find((f) => f.id === templateId)?.id ?? 'qwen';
}

/**
 * The spec sent to the engine, or undefined when unconstrained. 'tool' needs a tool of that name among `tools`;
 * without one the spec says so through an empty parameters schema and the engine's message.
 */
export function constraintSpecOf(choice: ConstraintChoice, tools: ToolDefinition[], templateId: string): ConstraintSpec | undefined {
  if (choice.kind === 'none') return undefined;
  if (choice.kind !== 'tool') return { kind: choice.kind, text: constraintText(choice) };
  const tool = tools.find((t) => t.function.name === choice.toolName) ?? tools[0];
  if (!tool) return { kind: 'tool', text: '' };
  const { name, description, parameters } = tool.function;
  return {
    kind: 'tool',
    text: '',
    tool: { name, ...(description !== undefined && { description }), parameters: (parameters ?? { type: 'object', properties: {} }) as Record<string, unknown>, family: toolFamilyOf(templateId) },
  };
}

/** A key that changes exactly when the spec does (compiles and re-samples are matched to it). */
export function constraintKey(spec: ConstraintSpec | undefined): string {
  return spec ? JSON.stringify(spec) : 'none';
}

/** Where the constraint's compile stands. */
export type ConstraintStatus =
  | { state: 'none' }
  | { state: 'compiling'; key: string; phase: ConstraintCompilePhase | null }
  | { state: 'ready'; key: string; info: ConstraintInfo }
  | { state: 'invalid'; key: string; problem: ConstraintProblem }
  | { state: 'failed'; key: string; message: string }
  | { state: 'cancelled'; key: string };
