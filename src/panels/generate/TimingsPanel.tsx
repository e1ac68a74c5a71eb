import { useShallow } from 'zustand/react/shallow';
import { useGenerateStore, sequenceSteps, decodeTimings, generateActions, isGenerating } from '../../state/generateStore';
import { useStepPanelState } from '../../state/streamingPanels';
import { LatencyChart, type LatencySeries } from '../../charts/LatencyChart';

function fmt(n: number | null, digits = 1): string {
  return n === null ? '—' : n.toFixed(digits);
}

/** Whether the full recompute chose the same tokens as the cached run on screen (it should: the cache changes the cost, not the result). */
function KvOffOutput({ on, off }: { on: number[]; off: number[] }) {
  const same = on.length === off.length && on.every((id, i) => id === off[i]);
  return (
    <p className="muted" data-testid="nokv-output" data-token-ids={off.join(',')} data-same={same ? 'true' : 'false'}>
      {same
        ? `Without the cache the model chose the same ${off.length} tokens: the cache changes the cost, not the result.`
        : `Without the cache the model chose other tokens than the run shown (${off.length} tokens): other settings, a picked token, or rounding in near-ties.`}
    </p>
  );
}

/** Prefill vs decode, and what the KV cache saves. */
export function TimingsPanel() {
  const activeRunId = useGenerateStore((s) => s.activeRunId);
  // one subscription (one redraw timer while streaming) for the steps shown and the active run's own count
  const { steps, ownSteps } = useStepPanelState(
    useShallow((s) => ({ steps: sequenceSteps(s, s.activeRunId), ownSteps: s.activeRunId ? (s.runs[s.activeRunId]?.steps.length ?? 0) : 0 })),
  );
  const kvOff = useGenerateStore((s) => (s.kvOffRunId ? s.runs[s.kvOffRunId] : null));
  const generating = useGenerateStore(isGenerating);
  const maxNewTokens = useGenerateStore((s) => s.maxNewTokens);
  if (!activeRunId || steps.length === 0) return null;
  const on = decodeTimings(steps);
  const off = kvOff ? decodeTimings(kvOff.steps) : null;
  const series: LatencySeries[] = [{ label: 'KV cache on', colour: '#0b5cad', ms: steps.map((s) => s.ms) }];
  if (kvOff && kvOff.steps.length) series.push({ label: 'KV cache off (full recompute)', colour: '#c26a00', ms: kvOff.steps.map((s) => s.ms) });
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
      {kvOff?.status === 'done' && <KvOffOutput on={steps.map((s) => s.chosen.id)} off={kvOff.steps.map((s) => s.chosen.id)} />}
      {/* while streaming, room for the steps the run may reach: the bars drawn stay put */}
      <LatencyChart series={series} slots={generating ? steps.length - ownSteps + maxNewTokens : 0} width={520} />
      <div className="controls">
        <button type="button" data-testid="run-no-kv" onClick={() => generateActions.generateWithoutKvCache()} disabled={generating}>
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
