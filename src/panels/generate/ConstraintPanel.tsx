import { useId } from 'react';
import { generateActions, useGenerateStore } from '../../state/generateStore';
import { useChatStore } from '../../state/chatStore';
import { CONSTRAINT_KINDS, type ConstraintKind } from '../../engine/grammar/types';
import type { ConstraintProblem } from '../../engine/protocol';
import { FAMILIES } from '../../engine/chat/catalog';
import { KINDS_WITH_TEXT, constraintText, toolFamilyOf } from '../../state/constraintChoice';
import { showTab } from '../../state/navigationStore';

const TEXT_LABELS: Partial<Record<ConstraintKind, { label: string; hint: string }>> = {
  'json-schema': { label: 'JSON Schema', hint: 'The output is one JSON document valid against this schema, on one line (", " and ": " separators).' },
  regex: { label: 'Regular expression', hint: 'The whole output matches this pattern (no anchors needed).' },
  grammar: { label: 'Grammar (EBNF)', hint: 'XGrammar’s EBNF, GBNF-like: rules "name ::= …", string literals, [a-z] classes, * + ? and |. The output matches the rule root.' },
  choice: { label: 'Choices, one per line', hint: 'The output is exactly one of these lines.' },
};

const PHASE_TEXT = { engine: 'loading the grammar engine (XGrammar)…', vocabulary: 'preparing the model’s vocabulary…', compile: 'compiling against the vocabulary…' } as const;

function positionText(problem: ConstraintProblem): string {
  if (problem.line !== undefined) return ` (line ${problem.line}${problem.column !== undefined ? `, column ${problem.column}` : ''})`;
  if (problem.offset !== undefined) return ` (at character ${problem.offset + 1})`;
  return '';
}

function ToolChoice({ id }: { id: string }) {
  const tools = useChatStore((s) => s.conversation.tools);
  const templateId = useChatStore((s) => s.templateId);
  const toolName = useGenerateStore((s) => s.constraint.toolName);
  const family = FAMILIES.find((f) => f.id === toolFamilyOf(templateId));
  if (tools.length === 0) {
    return (
      <p className="notice" data-testid="constraint-no-tools">
        The Chat lab has no tool definitions yet.{' '}
        <button type="button" onClick={() => showTab('chat')}>
          Add one in the Chat lab
        </button>
      </p>
    );
  }
  const selected = tools.some((t) => t.function.name === toolName) ? toolName : tools[0].function.name;
  return (
    <>
      <label htmlFor={id}>Tool</label>
      <select id={id} data-testid="constraint-tool" value={selected} onChange={(e) => generateActions.setConstraintTool(e.target.value)}>
        {tools.map((t) => (
          <option key={t.function.name} value={t.function.name}>
            {t.function.name}
          </option>
        ))}
      </select>
      <span className="hint">
        A call in {family?.label ?? 'Qwen 3'}’s tool-call format (the Chat lab’s template), its arguments following the tool’s parameter schema.
      </span>
    </>
  );
}

/** What the constraint compiled to, or why it did not. */
function ConstraintStatusLine({ errorId }: { errorId: string }) {
  const status = useGenerateStore((s) => s.constraintStatus);
  const kind = useGenerateStore((s) => s.constraint.kind);
  if (kind === 'none') return <p className="hint">Unconstrained: every token of the vocabulary may come next.</p>;
  switch (status.state) {
    case 'none':
      return <p className="hint">Compiled once a model is ready.</p>;
    case 'compiling':
      return (
        <p className="muted" role="status" data-testid="constraint-status" data-state="compiling">
          Compiling the constraint: {status.phase ? PHASE_TEXT[status.phase] : 'starting…'}{' '}
          <button type="button" data-testid="constraint-cancel" onClick={() => generateActions.cancelConstraintCompile()}>
            Cancel
          </button>
        </p>
      );
    case 'ready':
      return (
        <p className="muted" role="status" data-testid="constraint-status" data-state="ready" data-enforced-by={status.info.enforcedBy}>
          {status.info.enforcedBy === 'server'
            ? `Enforced by the server, not by this page: ${status.info.description}.`
            : `Compiled in ${status.info.compileMs.toFixed(0)} ms (${status.info.description}). At every step this page masks the tokens it forbids before temperature and the filters.`}
        </p>
      );
    case 'invalid':
      return (
        <p id={errorId} role="alert" className="error-box" data-testid="constraint-error">
          {status.problem.message}
          {positionText(status.problem)}. Generation is refused until it is fixed.
        </p>
      );
    case 'failed':
      return (
        <p id={errorId} role="alert" className="error-box" data-testid="constraint-error">
          The constraint could not be compiled: {status.message}{' '}
          <button type="button" onClick={() => generateActions.retryConstraintCompile()}>
            Retry
          </button>
        </p>
      );
    case 'cancelled':
      return (
        <p className="muted" role="status" data-testid="constraint-status" data-state="cancelled">
          Compile cancelled. Generate compiles it again, or{' '}
          <button type="button" onClick={() => generateActions.retryConstraintCompile()}>
            compile now
          </button>
        </p>
      );
  }
}

/** Grammar-constrained decoding: what the output must follow, masked into every step's distribution. */
export function ConstraintPanel() {
  const choice = useGenerateStore((s) => s.constraint);
  const invalid = useGenerateStore((s) => s.constraintStatus.state === 'invalid' || s.constraintStatus.state === 'failed');
  const ids = { kind: useId(), text: useId(), tool: useId(), hint: useId(), error: useId() };
  const textSpec = TEXT_LABELS[choice.kind];
  return (
    <section className="card" aria-labelledby="constraint-heading">
      <h2 id="constraint-heading">Constraint (structured output)</h2>
      <div className="constraint-controls">
        <label htmlFor={ids.kind}>Output must be</label>
        <select id={ids.kind} data-testid="constraint-kind" value={choice.kind} onChange={(e) => generateActions.setConstraintKind(e.target.value as ConstraintKind)}>
          {CONSTRAINT_KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
        {choice.kind === 'tool' && <ToolChoice id={ids.tool} />}
      </div>
      {textSpec && KINDS_WITH_TEXT.includes(choice.kind) && (
        <>
          <label htmlFor={ids.text} className="block-label">
            {textSpec.label}
          </label>
          <textarea
            id={ids.text}
            data-testid="constraint-text"
            className="code-input"
            rows={choice.kind === 'json-schema' || choice.kind === 'grammar' ? 8 : 3}
            spellCheck={false}
            value={constraintText(choice)}
            aria-invalid={invalid}
            aria-describedby={invalid ? `${ids.hint} ${ids.error}` : ids.hint}
            onChange={(e) => generateActions.setConstraintText(e.target.value)}
          />
          <span id={ids.hint} className="hint">
            {textSpec.hint}
          </span>
        </>
      )}
      <ConstraintStatusLine errorId={ids.error} />
    </section>
  );
}
