import { useInferenceStore, sequenceSteps, decodeTimings, inferenceActions, isGenerating } from '../../state/inferenceStore';
import { LatencyChart, type LatencySeries } from '../../charts/LatencyChart';

function fmt(n: number | null, digits = 1): string {
  return n === null ? '—' : n.toFixed(digits);
}

/** Prefill vs decode, and what the KV cache saves. */
export function TimingsPanel() {
  const activeRunId = useInferenceStore((s) => s.activeRunId);
  const steps = useInferenceStore((s) => sequenceSteps(s, s.activeRunId));
  const kvOff = useInferenceStore((s) => (s.kvOffRunId ? s.runs[s.kvOffRunId] : null));
  const generating = useInferenceStore(isGenerating);
  if (!activeRunId || steps.length === 0) return null;
  const on = decodeTimings(steps);
  const off = kvOff ? decodeTimings(kvOff.steps) : null;
  const series: LatencySeries[] = [{ label: 'KV cache on', color: '#0b5cad', ms: steps.map((s) => s.ms) }];
  if (kvOff && kvOff.steps.length) series.push({ label: 'KV cache off (full recompute)', color: '#c26a00', ms: kvOff.steps.map((s) => s.ms) });
  return (
    <section className="card" aria-labelledby="timings-heading">
      <h2 id="timings-heading">Timings</h2>
      <div className="counts">
        <div className="count">
          <span className="count-value" data-testid="ttft-ms">
            {fmt(on.ttftMs)}
          </span>
          <span className="count-label">ms to first token (prefill of {steps[0]?.inputTokens ?? 0} tokens)</span>
        </div>
        <div className="count">
          <span className="count-value" data-testid="tokens-per-second">
            {fmt(on.decodeTokensPerSecond)}
          </span>
          <span className="count-label">decode tokens / s</span>
        </div>
        <div className="count">
          <span className="count-value">{fmt(on.meanDecodeMs)}</span>
          <span className="count-label">ms per decode step</span>
        </div>
        {off && (
          <div className="count">
            <span className="count-value" data-testid="tokens-per-second-nokv">
              {fmt(off.decodeTokensPerSecond)}
            </span>
            <span className="count-label">decode tokens / s without the KV cache</span>
          </div>
        )}
      </div>
      <LatencyChart series={series} width={520} />
      <div className="controls">
        <button type="button" data-testid="run-no-kv" onClick={() => inferenceActions.generateWithoutKvCache()} disabled={generating}>
          Compare: same prompt with the KV cache off
        </button>
      </div>
      <p className="explain">
        The first step (prefill) reads the whole prompt in one pass and fills the KV cache; each later step (decode) feeds only the newest token and
        reuses the cached keys and values. Without the cache every step recomputes the whole sequence, so its cost grows with the length.
      </p>
    </section>
  );
}
