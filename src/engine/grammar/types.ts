/**
 * What a generation constraint is, as the UI edits and displays it. Dependency-free (type imports only): React code
 * imports it without loading the grammar engine.
 */
import type { TemplateFamilyId } from '../chat/catalog';

export type ConstraintKind = 'none' | 'json' | 'json-schema' | 'regex' | 'grammar' | 'choice' | 'tool';

export const CONSTRAINT_KINDS: readonly { kind: ConstraintKind; label: string }[] = [
  { kind: 'none', label: 'None' },
  { kind: 'json', label: 'Any JSON' },
  { kind: 'json-schema', label: 'JSON Schema' },
  { kind: 'regex', label: 'Regular expression' },
  { kind: 'grammar', label: 'Grammar (EBNF)' },
  { kind: 'choice', label: 'One of a list' },
  { kind: 'tool', label: 'Tool call' },
];

/** A tool the model must call, in the given chat family's tool-call format. */
export interface ToolSpec {
  name: string;
  description?: string;
  /** JSON Schema of the call's arguments */
  parameters: Record<string, unknown>;
  family: TemplateFamilyId;
}

export interface ConstraintSpec {
  kind: ConstraintKind;
  /** the schema (json-schema), pattern (regex), EBNF with a `root` rule (grammar) or one choice per line (choice);
   * unused by 'none', 'json' and 'tool' */
  text: string;
  tool?: ToolSpec;
}

/** Why a constraint cannot be compiled, with its position in `text` when known (line and column are 1-based,
 * offset 0-based). */
export interface ConstraintProblem {
  message: string;
  line?: number;
  column?: number;
  offset?: number;
}

/** A compiled constraint, for display. */
export interface ConstraintInfo {
  kind: ConstraintKind;
  /** one line, e.g. 'JSON Schema, 3 properties' or 'one of 4 choices' */
  description: string;
  compileMs: number;
  /** 'page': this app masks the logits itself; 'server': the constraint is sent to an inference server */
  enforcedBy: 'page' | 'server';
}
