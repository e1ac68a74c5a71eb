/**
 * Chat & context lab: messages → the model's own chat template → tokens, and
 * the context window as a budget by role. The heavy work runs in the worker
 * (chat-analyse); this panel only projects the store.
 */
import { memo, useEffect, useMemo, useState } from 'react';
import { useDrawnInSteps } from '../../components/drawnInSteps';
import type { ChatAnalysis } from '../../engine/protocol';
import { FAMILIES, OPENAI_FORMAT_DOC, PLAIN_FORMAT_DOC } from '../../engine/chat/catalog';
import { EMBEDDED_MODELS } from '../../engine/generation/catalog';
import { useGenerateStore } from '../../state/generateStore';
import { BudgetBar } from '../../charts/BudgetBar';
import { GrowthChart } from '../../charts/GrowthChart';
import { chatActions, useChatStore } from '../../state/chatStore';
import { BUDGET_COLOURS, BUDGET_LABELS, PART_COLOUR_PROPERTIES } from './colours';
import { MessagesEditor } from './MessagesEditor';
import { ToolsEditor } from './ToolsEditor';
import { PricingPicker } from './PricingPicker';
import { ModelFacts } from './ModelFacts';
import { pieceRuns, piecesOf, type PieceRun } from './templatePieces';
import { ShareBar } from '../../components/ShareBar';
import { TextEditor } from '../../components/TextEditor';
import { LONG_FIELD_CHARS } from '../../components/textWindow';
import { formatCount } from '../../state/formatCount';
import './chat.css';

export function ChatPanel() {
  useEffect(() => chatActions.start(), []);
  const analysis = useChatStore((s) => s.analysis);
  const error = useChatStore((s) => s.error);
  const storedProblem = useChatStore((s) => s.storedProblem);
  const tokensPerMessage = useMemo(() => {
    if (!analysis) return null;
    const out: number[] = [];
    analysis.parts.forEach((p, i) => {
      if (p.messageIndex !== undefined) out[p.messageIndex] = (out[p.messageIndex] ?? 0) + analysis.perPart[i];
    });
    return out;
  }, [analysis]);
  const toolCostMap = useMemo(() => (analysis ? new Map(analysis.toolCosts.perTool.map((t) => [t.toolIndex, t.tokens])) : null), [analysis]);
  return (
    <div className="chat-lab">
      <TemplateControls />
      {storedProblem && (
        <div className="error-box" role="alert" data-testid="chat-stored-problem">
          Your conversation from the last visit is shown as you left it, but it does not validate: {storedProblem} Fix it in the editor below.{' '}
          <button type="button" onClick={chatActions.dismissStoredProblem}>
            Dismiss
          </button>
        </div>
      )}
      {error && (
        <p className="error-box" role="alert" data-testid="chat-error">
          {error} Your conversation is unchanged; edit it or pick another template.
        </p>
      )}
      <div className="chat-grid">
        <div>
          <MessagesEditor tokensPerMessage={tokensPerMessage} />
          <ToolsEditor costs={toolCostMap} rendered={analysis ? analysis.toolsRendered : null} />
          <ImportExport />
        </div>
        <div>
          <StatusLine />
          {analysis && <Rendered analysis={analysis} />}
          {analysis && <BudgetSection analysis={analysis} />}
          {analysis && <ToolCallTokens analysis={analysis} />}
          {analysis && <GrowthSection analysis={analysis} />}
        </div>
      </div>
    </div>
  );
}

/** Its own component: the status changes with every analysis, and the lab around it need not be drawn again for it. */
function StatusLine() {
  const status = useChatStore((s) => s.status);
  return <p className="status-line" aria-live="polite">{status === 'working' ? 'Rendering and tokenizing…' : ''}</p>;
}

/** Memoised: it has no props, and its model lists need not be drawn again with every analysis. */
const TemplateControls = memo(function TemplateControls() {
  // the Generate lab's model (a Hub model included) offers its own chat template
  const loadedModelId = useGenerateStore((s) => s.model.info?.modelId ?? null);
  const templateId = useChatStore((s) => s.templateId);
  const agp = useChatStore((s) => s.addGenerationPrompt);
  const reserved = useChatStore((s) => s.reservedOutput);
  const { setTemplate, setAddGenerationPrompt, setReservedOutput } = chatActions;
  return (
    <section className="card" aria-labelledby="chat-template-h">
      <h2 id="chat-template-h">Chat template</h2>
      <div className="controls">
        <label>
          Template{' '}
          <select data-testid="chat-template-select" value={templateId} onChange={(e) => setTemplate(e.target.value)}>
            {FAMILIES.map((f) => (
              <option key={f.id} value={f.id}>{f.label}</option>
            ))}
            {[...new Set([...EMBEDDED_MODELS, ...(loadedModelId ? [loadedModelId] : [])])].map((id) => (
              <option key={id} value={id}>{id} ({id === loadedModelId ? 'loaded model' : 'embedded model'})</option>
            ))}
          </select>
        </label>
        <PricingPicker />
        <label className="checkbox">
          <input type="checkbox" data-testid="add-generation-prompt" checked={agp} onChange={(e) => setAddGenerationPrompt(e.target.checked)} />
          Add generation prompt (open an assistant turn for the model to complete)
        </label>
        <label>
          Reserved output (max tokens){' '}
          <input type="number" min={0} step={256} value={reserved} data-testid="reserved-output" onChange={(e) => setReservedOutput(e.target.valueAsNumber)} />
        </label>
      </div>
      <details className="explain">
        <summary>Base model or instruct model?</summary>
        <p>
          A chat template is how messages become one token sequence. An <strong>instruct</strong> model was fine-tuned (SFT, RLHF) on conversations in exactly this format, so after the
          generation prompt it answers as the assistant and ends its turn with the template's end-of-turn token. A <strong>base</strong> model (like the embedded nexttoken-base) was only
          pretrained to continue text: given the same string it simply continues it, and may write the user's next line too. "Run" shows the difference.
        </p>
      </details>
    </section>
  );
});

/** Tokens of the rendered template drawn per task (components/drawnInSteps.ts): 2,000 took a 0.1–0.3 s task. */
const PIECES_PER_PART = 400;

const RenderedPart = memo(function RenderedPart({ analysis, from, to }: { analysis: ChatAnalysis; from: PieceRun; to: PieceRun | undefined }) {
  const { text, offsets, ids, tokenParts, parts } = analysis;
  return (
    <span className="rendered-part">
      {piecesOf(text, offsets, ids.length, from, to).map(({ token, text: piece }) => {
        const part = parts[token < 0 ? 0 : tokenParts[token]];
        return (
          <span key={token} className={`rtok part-${part.kind}`} title={`${part.label} · token id ${token < 0 ? -1 : ids[token]}`}>
            {piece}
          </span>
        );
      })}
    </span>
  );
});

function Rendered({ analysis }: { analysis: ChatAnalysis }) {
  const { text, ids, offsets } = analysis;
  const templateId = useChatStore((s) => s.analysisTemplateId);
  // with a server on the chat API, "Run" sends these messages (and tools) through chat completions instead
  const onServerChat = useGenerateStore((s) => s.model.info?.server?.api === 'chat');
  // a long conversation's template is drawn a part at a time, each part a block that breaks where the text does
  const runs = useMemo(() => pieceRuns(text, offsets, ids.length, PIECES_PER_PART), [text, offsets, ids]);
  const drawn = useDrawnInSteps(runs, runs.length);
  const hasCalls = useMemo(() => analysis.parts.some((p) => p.kind === 'tool_call'), [analysis]);
  return (
    <section className="card" aria-labelledby="chat-rendered-h">
      <h2 id="chat-rendered-h">
        Rendered template: <span data-testid="chat-token-count">{ids.length}</span> tokens
      </h2>
      {analysis.templateKind === 'openai' && <p className="explain">{OPENAI_FORMAT_DOC}</p>}
      {analysis.templateKind === 'plain' && <p className="error-box" role="note">{templateId}: {PLAIN_FORMAT_DOC}</p>}
      {analysis.attribution === 'search' && <p className="explain">Colours were found by searching the text (the template transformed the messages); the string itself is exact.</p>}
      {!analysis.toolCallsRendered && analysis.toolCallRanges.length === 0 && hasCalls && (
        <p className="explain"><strong>This template does not print tool calls</strong>: the assistant's call is invisible to the model.</p>
      )}
      <div className="legend" aria-hidden="true">
        {(['system', 'user', 'assistant', 'tool', 'tools', 'template'] as const).map((p) => (
          <span key={p} className="legend-item"><span className="swatch" style={{ background: BUDGET_COLOURS[p] }} /> {BUDGET_LABELS[p]}</span>
        ))}
      </div>
      <pre className="rendered" style={PART_COLOUR_PROPERTIES} data-testid="rendered-template" tabIndex={0} aria-label="The exact rendered template; each token is coloured by the message it came from">
        {runs.slice(0, drawn).map((from, k) => (
          <RenderedPart key={from.token} analysis={analysis} from={from} to={runs[k + 1]} />
        ))}
      </pre>
      <div className="row">
        <button type="button" className="primary" onClick={() => chatActions.runInGenerateLab(text)} data-testid="chat-run">
          {onServerChat ? 'Run on the server (chat completions)' : 'Run in the Generate lab'}
        </button>
        <button type="button" onClick={() => void navigator.clipboard?.writeText(text)}>Copy rendered text</button>
      </div>
    </section>
  );
}

function money(v: number): string {
  return `$${v < 0.01 ? v.toFixed(6) : v.toFixed(4)}`;
}

function BudgetSection({ analysis }: { analysis: ChatAnalysis }) {
  const { budget, limits } = analysis;
  const segments = budget.segments.map((s) => ({ part: s.part, tokens: s.tokens, label: BUDGET_LABELS[s.part], colour: BUDGET_COLOURS[s.part] }));
  return (
    <section className="card" aria-labelledby="chat-budget-h">
      <h2 id="chat-budget-h">Context budget</h2>
      <BudgetBar segments={segments} window={budget.contextWindow} />
      <table className="budget-table">
        <tbody>
          {segments.map((s) => (
            <tr key={s.part}><th scope="row"><span className="swatch" style={{ background: s.colour }} /> {s.label}</th><td>{formatCount(s.tokens)}</td></tr>
          ))}
        </tbody>
      </table>
      <div className="counts">
        <div className="count"><span className="count-value">{formatCount(budget.used)}</span><span className="count-label">used (input + reserved output)</span></div>
        <div className="count"><span className="count-value" data-testid="context-window">{budget.contextWindow ?? 'unknown'}</span><span className="count-label">context window (tokens)</span></div>
        <div className="count"><span className={`count-value ${budget.overflow ? 'error-text' : ''}`}>{budget.remaining === null ? '—' : formatCount(budget.remaining)}</span><span className="count-label">remaining</span></div>
        <div className="count"><span className="count-value">{budget.percent != null ? `${budget.percent.toFixed(2)}%` : '—'}</span><span className="count-label">of the window</span></div>
        <div className="count">
          <span className="count-value" data-testid="cost-estimate">{budget.cost ? money(budget.cost.total) : 'n/a'}</span>
          <span className="count-label">
            {budget.cost ? `${money(budget.cost.input)} input + ${money(budget.cost.output)} output (if all reserved tokens are generated)` : 'no list price (open weights: runs on your own hardware)'}
          </span>
        </div>
      </div>
      <ModelFacts limits={limits} used={budget.used} />
      {budget.overflow && <p className="error-box" role="alert">This request does not fit: it needs {formatCount(budget.used)} tokens but the window holds {budget.contextWindow === null ? 'unknown' : formatCount(budget.contextWindow)}.</p>}
      <p className="explain">Window and prices: {limits.source}.</p>
    </section>
  );
}

function ToolCallTokens({ analysis }: { analysis: ChatAnalysis }) {
  if (analysis.toolCallRanges.length === 0 && analysis.toolCosts.perTool.length === 0) return null;
  return (
    <section className="card" aria-labelledby="chat-toolcost-h">
      <h2 id="chat-toolcost-h">Tool use is just token generation</h2>
      {analysis.toolCosts.perTool.length > 0 && (
        <p>
          All tool definitions together add <strong data-testid="tools-cost">{analysis.toolCosts.allTools}</strong> tokens to every request
          {analysis.toolCosts.perTool.map((t) => ` · ${t.name}: ${t.tokens}`).join('')}.
        </p>
      )}
      {analysis.toolCallRanges.map(({ messageIndex, range }) => (
        <div key={messageIndex}>
          <p>The call in message {messageIndex + 1} is these {range[1] - range[0]} tokens, generated one at a time like any text:</p>
          <ol className="token-list" aria-label={`Tokens of the tool call in message ${messageIndex + 1}`}>
            {Array.from({ length: range[1] - range[0] }, (_, k) => range[0] + k).map((t) => (
              <li key={t} className="chip" title={`id ${analysis.ids[t]}`}>
                {JSON.stringify(analysis.text.slice(analysis.offsets[2 * t], analysis.offsets[2 * t + 1])).slice(1, -1)}
                <span className="sr-only"> id {analysis.ids[t]}</span>
              </li>
            ))}
          </ol>
        </div>
      ))}
    </section>
  );
}

function GrowthSection({ analysis }: { analysis: ChatAnalysis }) {
  const turns = useChatStore((s) => s.growthTurns);
  const setGrowthTurns = chatActions.setGrowthTurns;
  const g = analysis.growth;
  return (
    <section className="card" aria-labelledby="chat-growth-h">
      <h2 id="chat-growth-h">Growth: repeat the conversation</h2>
      <label>
        Turns (the non-system messages repeated N times; 0 = off){' '}
        <input type="number" min={0} max={2000} value={turns} data-testid="growth-turns" onChange={(e) => setGrowthTurns(e.target.valueAsNumber)} />
      </label>
      {g && (
        <div data-testid="growth-result">
          <GrowthChart points={g.points} window={g.contextWindow} overflowAt={g.overflowAt} />
          <p>
            Each turn adds {g.perTurn} tokens.{' '}
            {g.overflowAt != null ? (
              <strong data-testid="growth-overflow" data-turn={g.overflowAt}>The window overflows at turn {g.overflowAt}.</strong>
            ) : (
              <span data-testid="growth-overflow" data-turn="">No overflow within {turns} turns.</span>
            )}
          </p>
          {g.dropped.length > 0 && (
            <>
              <p>
                Drop-oldest (the system message is kept) removes <strong data-testid="growth-dropped-count">{g.dropped.length}</strong> messages, leaving {g.keptMessages} messages and{' '}
                {g.totalAfterDrop === null ? '' : formatCount(g.totalAfterDrop)} input tokens.
              </p>
              <details>
                <summary>Removed messages</summary>
                <ol className="dropped">
                  {g.dropped.slice(0, 200).map((d) => (
                    <li key={d.index} data-testid="growth-dropped">
                      turn {d.turn}, {d.role}: “{d.preview}” {d.tokens > 0 && <span className="muted">(−{d.tokens} tokens)</span>}
                    </li>
                  ))}
                </ol>
              </details>
            </>
          )}
          {g.cannotFit && <p className="error-box" role="alert">Even with every message dropped but the system message, the request does not fit.</p>}
          <GrowthCostLine analysis={analysis} />
        </div>
      )}
    </section>
  );
}

function GrowthCostLine({ analysis }: { analysis: ChatAnalysis }) {
  const c = analysis.growthCost;
  if (!c) return <p className="muted" data-testid="growth-cost">No growth cost: {analysis.limits.modelName} has no list price.</p>;
  return (
    <div data-testid="growth-cost">
      <p>
        {c.requests} requests (one per turn) send {formatCount(c.inputTokens)} input tokens and generate up to {formatCount(c.outputTokens)}; {formatCount(c.cachedTokens)} input
        tokens repeat the previous request's prefix.
      </p>
      <div className="counts">
        <div className="count">
          <span className="count-value" data-testid="growth-cost-uncached" data-usd={c.withoutCaching}>{money(c.withoutCaching)}</span>
          <span className="count-label">without prompt caching</span>
        </div>
        <div className="count">
          <span className="count-value" data-testid="growth-cost-cached" data-usd={c.withCaching ?? ''}>{c.withCaching == null ? 'no cached price' : money(c.withCaching)}</span>
          <span className="count-label">with the repeated prefix at the cached-input price</span>
        </div>
      </div>
      <p className="explain">
        Prices: {analysis.limits.source}. Providers cache only prefixes above a minimum length (OpenAI: 1,024 tokens) and Anthropic only where the request marks them; this counts
        every repeated prefix as cached, and every request as if it fit the window.
      </p>
    </div>
  );
}

function ImportExport() {
  const importError = useChatStore((s) => s.importError);
  const notice = useChatStore((s) => s.importNotice);
  // the JSON to import: a long paste (3,000 messages are 0.45 MB) is shown a part at a time, since the browser lays
  // out every character a field holds (0.1–0.2 s for that paste)
  const [pasted, setPasted] = useState('');
  const { exportJson, importJson, reset } = chatActions;
  const download = () => {
    const blob = new Blob([exportJson()], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'conversation.json';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  return (
    <section className="card" aria-labelledby="chat-io-h">
      <h2 id="chat-io-h">Share, export and import (OpenAI-style JSON)</h2>
      <ShareBar lab="chat" />
      <div className="row">
        <button type="button" data-testid="chat-export" onClick={download}>Export JSON</button>
        <label>
          Import a file{' '}
          <input
            type="file"
            accept="application/json,.json"
            data-testid="chat-import-file"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (f) importJson(await f.text());
              e.target.value = '';
            }}
          />
        </label>
        <button type="button" onClick={reset}>Reset to the example</button>
      </div>
      <label className="block-label" htmlFor="chat-import-text">…or paste JSON</label>
      <TextEditor
        id="chat-import-text"
        testId="chat-import-text"
        text={pasted}
        onText={setPasted}
        largeAbove={LONG_FIELD_CHARS}
        rows={3}
        wholeTextIs="what Import reads"
        placeholder='{"messages": [{"role": "user", "content": "Hi"}], "tools": []}'
      />
      <button type="button" data-testid="chat-import-button" onClick={() => importJson(pasted)}>Import pasted JSON</button>
      {importError && <p className="error-box" role="alert" data-testid="chat-import-error">{importError}</p>}
      {notice && <p role="status" className="muted">{notice}</p>}
    </section>
  );
}
