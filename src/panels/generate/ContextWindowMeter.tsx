import { useGenerateStore, sequenceSteps } from '../../state/generateStore';
import { formatCount } from './format';

/** Prompt + generated tokens against the model's context window, updated while streaming. */
export function ContextWindowMeter() {
  // a server that does not say its window: no meter (ModelInfo.contextWindow is then only a bound)
  const window = useGenerateStore((s) => (s.model.info?.server ? (s.model.info.server.contextWindow ?? 0) : (s.model.info?.contextWindow ?? 0)));
  const promptTokens = useGenerateStore((s) => (s.activeRunId ? (s.runs[s.activeRunId]?.prompt.ids.length ?? 0) : 0));
  const generated = useGenerateStore((s) => sequenceSteps(s, s.activeRunId).length);
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
