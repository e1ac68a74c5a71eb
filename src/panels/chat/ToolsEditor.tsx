/** Tool definitions: name, description and JSON-schema parameters, plus what each one costs. */
import { useState } from 'react';
import type { ToolDefinition } from '../../engine/chat/types';
import { chatActions, useChatStore } from '../../state/chatStore';
import { toolNameProblem } from '../../engine/chat/io';

export function ToolsEditor({ costs, rendered }: { costs: Map<number, number> | null; rendered: boolean | null }) {
  const tools = useChatStore((s) => s.conversation.tools);
  const setTools = chatActions.setTools;
  return (
    <section className="card" aria-labelledby="chat-tools-h">
      <h2 id="chat-tools-h">Tool definitions</h2>
      <p className="explain">
        Tool descriptions are part of the prompt: the template prints them into the context, so every tool costs tokens on every request.
        {rendered === false && tools.length > 0 && <strong> This template does not print tool definitions at all: here they cost 0 tokens (and the model never sees them).</strong>}
      </p>
      {tools.map((t, i) => (
        <ToolEditor key={i} index={i} tool={t} cost={costs?.get(i) ?? null} onChange={(next) => setTools(next ? tools.map((x, j) => (j === i ? next : x)) : tools.filter((_, j) => j !== i))} />
      ))}
      <button type="button" onClick={() => setTools([...tools, { type: 'function', function: { name: `tool_${tools.length + 1}`, description: 'Describe what it does', parameters: { type: 'object', properties: {} } } }])}>
        Add a tool
      </button>
    </section>
  );
}

function ToolEditor({ tool, index, cost, onChange }: { tool: ToolDefinition; index: number; cost: number | null; onChange: (t: ToolDefinition | null) => void }) {
  const [params, setParams] = useState(() => JSON.stringify(tool.function.parameters ?? {}, null, 2));
  const [error, setError] = useState<string | null>(null);
  const nameProblem = toolNameProblem(tool.function.name);
  const nameErrorId = `tool-name-error-${index}`;
  const commitParams = (text: string) => {
    setParams(text);
    try {
      const v = JSON.parse(text) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('the parameters must be a JSON object (a JSON schema)');
      setError(null);
      onChange({ ...tool, function: { ...tool.function, parameters: v as Record<string, unknown> } });
    } catch (e) {
      setError(`Not applied: ${e instanceof Error ? e.message : String(e)}. The last valid schema is still used.`);
    }
  };
  return (
    <fieldset className="tool-def">
      <legend>
        Tool {index + 1}: {tool.function.name} {cost != null && <span className="muted">— adds {cost} tokens</span>}
      </legend>
      <label>
        Name{' '}
        <input
          type="text"
          data-testid="tool-name"
          value={tool.function.name}
          aria-invalid={nameProblem !== null}
          aria-describedby={nameProblem ? nameErrorId : undefined}
          onChange={(e) => onChange({ ...tool, function: { ...tool.function, name: e.target.value } })}
        />
      </label>{' '}
      {nameProblem && (
        <span id={nameErrorId} className="field-error" data-testid="tool-name-error">
          The name {nameProblem} What you typed is kept; the template may refuse it until then.
        </span>
      )}
      <label>Description <input type="text" size={50} value={tool.function.description ?? ''} onChange={(e) => onChange({ ...tool, function: { ...tool.function, description: e.target.value } })} /></label>
      <label className="block-label" htmlFor={`tool-params-${index}`}>Parameters (JSON schema)</label>
      <textarea id={`tool-params-${index}`} rows={4} value={params} onChange={(e) => commitParams(e.target.value)} aria-invalid={error != null} />
      {error && <p className="error-text" role="status">{error}</p>}
      <button type="button" onClick={() => onChange(null)}>Remove tool {tool.function.name}</button>
    </fieldset>
  );
}
