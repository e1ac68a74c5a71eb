import { useId } from 'react';
import { interpolateRgb } from 'd3';
import { generateActions, isGenerating, sequenceSteps, useGenerateStore } from '../../state/generateStore';
import { escapeTokenText } from '../tokenizer/tokenDisplay';
import { NumberField } from '../../components/NumberField';
import type { DoneReason } from '../../engine/generation/types';

/** Low probability → warm, high → green; light enough that dark text keeps its contrast. */
const probColour = interpolateRgb('#ffc9c9', '#c8f0c8');

function ProbLegend() {
  return (
    <span className="legend" aria-hidden="true">
      <span className="legend-swatch" style={{ background: probColour(0) }} /> unlikely
      <span className="legend-swatch" style={{ background: probColour(0.5) }} />
      <span className="legend-swatch" style={{ background: probColour(1) }} /> likely (probability when chosen)
    </span>
  );
}

function GeneratedTokens() {
  const runId = useGenerateStore((s) => s.activeRunId);
  const run = useGenerateStore((s) => (s.activeRunId ? s.runs[s.activeRunId] : null));
  const steps = useGenerateStore((s) => sequenceSteps(s, runId));
  const selected = useGenerateStore((s) => s.selectedStep);
  // a server backend numbers the tokens it meets itself: only the model's own ids (where it sent them) are shown
  const onServer = useGenerateStore((s) => s.model.info?.server !== undefined);
  if (!run) return <p className="muted">Press Generate to watch the model pick one token at a time.</p>;
  const current = selected ?? steps.length - 1;
  return (
    <div className="gen-text" aria-label="Prompt and generated tokens">
      {run.prompt.texts.map((t, i) => (
        <span key={`p${i}`} className="prompt-token" data-testid="prompt-token" data-token-id={run.prompt.ids[i]} title={`prompt token, ID ${run.prompt.ids[i]}`}>
          {t}
        </span>
      ))}
      {steps.map((s, i) => (
        <button
          type="button"
          key={`${s.branchId}-${i}`}
          className={`gen-token${i === current ? ' selected' : ''}${s.chosen.forced ? ' forced' : ''}`}
          style={{ background: probColour(s.chosen.prob) }}
          data-testid="gen-token"
          data-token-id={onServer ? s.chosen.modelTokenId : s.chosen.id}
          data-token-text={s.chosen.text}
          data-prob={s.chosen.prob}
          data-step={i}
          aria-pressed={i === current}
          aria-label={`Step ${i + 1}: "${escapeTokenText(s.chosen.text)}"${onServer && s.chosen.modelTokenId === undefined ? '' : `, ID ${onServer ? s.chosen.modelTokenId : s.chosen.id}`}, probability ${(s.chosen.prob * 100).toFixed(1)}%${s.chosen.forced ? ', picked by you' : ''}`}
          onClick={() => generateActions.selectStep(i)}
        >
          {s.chosen.text}
        </button>
      ))}
      {run.status === 'running' && <span className="cursor" aria-hidden="true">▍</span>}
    </div>
  );
}

const DONE_REASON_TEXT: Record<DoneReason, string> = {
  eos: 'the model chose its end-of-sequence token',
  'max-tokens': 'max new tokens reached',
  stopped: 'you pressed Stop',
  'context-full': 'the context window is full',
  interrupted: 'interrupted: the server’s stream broke off; the tokens received are kept',
};

export function GenerationPanel() {
  const prompt = useGenerateStore((s) => s.prompt);
  const maxNewTokens = useGenerateStore((s) => s.maxNewTokens);
  const ready = useGenerateStore((s) => s.model.info !== null && s.model.status !== 'loading');
  const generating = useGenerateStore(isGenerating);
  const summary = useGenerateStore((s) => (s.activeRunId ? s.runs[s.activeRunId]?.summary : null));
  const error = useGenerateStore((s) => s.error);
  const addSpecialTokens = useGenerateStore((s) => s.addSpecialTokens);
  const ids = { prompt: useId(), max: useId(), special: useId() };
  return (
    <section className="card" aria-labelledby="generation-heading">
      <h2 id="generation-heading">Generation</h2>
      <label htmlFor={ids.prompt} className="block-label">
        Prompt
      </label>
      <textarea id={ids.prompt} data-testid="prompt-input" rows={3} value={prompt} onChange={(e) => generateActions.setPrompt(e.target.value)} />
      <div className="controls">
        <button type="button" className="primary" data-testid="generate" onClick={() => generateActions.generate()} disabled={!ready || generating || !prompt}>
          Generate
        </button>
        <button type="button" data-testid="stop" onClick={() => generateActions.stop()} disabled={!generating}>
          Stop
        </button>
        <label htmlFor={ids.max}>Max new tokens</label>
        <NumberField id={ids.max} min={1} max={2048} integer data-testid="max-new-tokens" value={maxNewTokens} onCommit={generateActions.setMaxNewTokens} />
        <span className="checkbox">
          <input id={ids.special} type="checkbox" data-testid="prompt-special-tokens" checked={addSpecialTokens} onChange={(e) => generateActions.setAddSpecialTokens(e.target.checked)} />
          <label htmlFor={ids.special}>Add the model’s special tokens (BOS)</label>
        </span>
      </div>
      <ProbLegend />
      {error && (
        <p role="alert" className="error-box" data-testid="generation-error">
          {error}
        </p>
      )}
      <GeneratedTokens />
      {summary && (
        <p className="muted" data-testid="run-summary" data-reason={summary.reason}>
          Stopped: {DONE_REASON_TEXT[summary.reason]}
          {summary.message ? ` (${summary.message})` : ''}.
          Click any token to see the distribution it was drawn from.
        </p>
      )}
    </section>
  );
}
