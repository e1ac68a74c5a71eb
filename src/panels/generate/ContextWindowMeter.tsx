import { useShallow } from 'zustand/react/shallow';
import { sequenceSteps, type GenerateState } from '../../state/generateStore';
import { useStepPanelState } from '../../state/streamingPanels';
import { formatCount } from '../../state/formatCount';

function meterCounts(s: GenerateState) {
  return {
    // a server that does not say its window: no meter (ModelInfo.contextWindow is then only a bound)
    window: s.model.info?.server ? (s.model.info.server.contextWindow ?? 0) : (s.model.info?.contextWindow ?? 0),
    promptTokens: s.activeRunId ? (s.runs[s.activeRunId]?.prompt.ids.length ?? 0) : 0,
    generated: sequenceSteps(s, s.activeRunId).length,
  };
}

/**
 * Prompt + generated tokens against the model's context window, updated while streaming on the step panels' clock:
 * it sits outside the token box, so a redraw per frame laid out and painted the page each time.
 */
export function ContextWindowMeter() {
  const { window, promptTokens, generated } = useStepPanelState(useShallow(meterCounts));
  if (!window) return null;
  const pct = (n: number) => `${Math.min(100, (n / window) * 100)}%`;
  const used = promptTokens + generated;
  return (
    <section className="card" aria-labelledby="ctx-heading">
      <h2 id="ctx-heading">Context window</h2>
      <div
        className="ctx-bar"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={window}
        aria-valuenow={used}
        aria-label={`Context window: ${used} of ${window} tokens used`}
        data-testid="context-meter"
        data-used={used}
      >
        <span className="ctx-prompt" style={{ width: pct(promptTokens) }} />
        <span className="ctx-gen" style={{ width: pct(generated) }} />
      </div>
      <p className="muted">
        <span className="legend-swatch ctx-prompt" /> prompt {formatCount(promptTokens)} + <span className="legend-swatch ctx-gen" /> generated{' '}
        {formatCount(generated)} = {formatCount(used)} of {formatCount(window)} tokens ({((used / window) * 100).toFixed(1)}%). Everything the model
        attends to must fit in this window.
      </p>
    </section>
  );
}
