import { scaleBand, scaleLinear } from 'd3';
import { ChartFrame } from './ChartFrame';

export interface DistributionBar {
  id: number;
  /** the model's token id, where known (shown as data-token-id) */
  tokenId?: number;
  /** the token's exact text */
  text: string;
  /** the text as displayed (whitespace made visible) */
  label: string;
  /** probability under the current settings (0 when a filter removed the token) */
  prob: number;
  /** probability after temperature, before filters: the bar's ghost */
  probBeforeFilters: number;
  removedBy: string | null;
  /** false when the grammar forbids the token (it cannot be picked; its ghost is what the model wanted, rawProb) */
  allowed: boolean;
  /** the model's own probability (T = 1), drawn as the ghost of a forbidden token */
  rawProb: number;
  chosen: boolean;
}

interface Props {
  bars: DistributionBar[];
  /** a partial distribution: the probability of every token not listed, drawn as one more bar */
  other?: number | null;
  /** probability cut-off lines to draw, e.g. the top-p or min-p threshold */
  cutoffs: { label: string; prob: number }[];
  width?: number;
  onPick?(id: number): void;
  pickLabel?: string;
}

const ROW = 22;

/** Horizontal bars of the top candidates: removed tokens greyed, filter cut-offs drawn. */
export function DistributionBars({ bars, other = null, cutoffs, width = 640, onPick, pickLabel = 'Pick' }: Props) {
  const labelWidth = 140;
  const valueWidth = 70;
  const chartWidth = Math.max(120, width - labelWidth - valueWidth - (onPick ? 60 : 0));
  const ghostOf = (b: DistributionBar) => (b.allowed ? b.probBeforeFilters : b.rawProb);
  const maxProb = Math.max(1e-9, other ?? 0, ...bars.map((b) => Math.max(b.prob, ghostOf(b))));
  const rows = bars.length + (other !== null ? 1 : 0);
  const x = scaleLinear().domain([0, maxProb]).range([0, chartWidth]);
  const y = scaleBand<number>()
    .domain(Array.from({ length: rows }, (_, i) => i))
    .range([0, rows * ROW])
    .padding(0.15);
  const height = rows * ROW + 24;
  return (
    <ChartFrame name="distribution" title="distribution chart">
    <svg width={width} height={height} role={onPick ? "group" : "img"} aria-label="Probabilities of the top candidate tokens" className="dist-chart">
      <g transform={`translate(${labelWidth},0)`}>
        {cutoffs.map((c) => (
          <g key={c.label} transform={`translate(${x(Math.min(c.prob, maxProb))},0)`} className="cutoff">
            <line y1={0} y2={rows * ROW} stroke="#b3261e" strokeDasharray="4 3" />
            <text y={rows * ROW + 14} textAnchor="middle" fontSize={11} fill="#b3261e">
              {c.label}
            </text>
          </g>
        ))}
      </g>
      {bars.map((b, i) => {
        const top = y(i) ?? 0;
        const removed = b.removedBy !== null;
        return (
          <g
            // keyed by rank: a new step reuses the rows and only their attributes change, instead of new nodes
            key={i}
            data-testid="dist-row"
            data-token-id={b.tokenId}
            data-token-text={b.text}
            data-prob={b.prob}
            data-removed-by={b.removedBy ?? ''}
            data-allowed={String(b.allowed)}
            transform={`translate(0,${top})`}
            className={removed ? 'dist-row removed' : b.chosen ? 'dist-row chosen' : 'dist-row'}
          >
            <title>{`${JSON.stringify(b.label)}${b.tokenId !== undefined ? ` (ID ${b.tokenId})` : ''}: ${(b.prob * 100).toFixed(2)}%${removed ? `, removed by ${b.removedBy}` : ''}${b.allowed ? '' : ` (the model wanted it at ${(b.rawProb * 100).toFixed(2)}%)`}`}</title>
            <text x={labelWidth - 6} y={y.bandwidth() / 2} dy="0.35em" textAnchor="end" fontSize={12} className="dist-label">
              {b.chosen ? '▶ ' : ''}
              {b.label}
            </text>
            <rect x={labelWidth} width={x(ghostOf(b))} height={y.bandwidth()} fill={b.allowed ? '#d5d8de' : '#f1d6d4'} />
            <rect x={labelWidth} width={x(b.prob)} height={y.bandwidth()} fill={removed ? '#9aa0a6' : b.chosen ? '#0b5cad' : '#4a8fd6'} />
            <text x={labelWidth + chartWidth + 6} y={y.bandwidth() / 2} dy="0.35em" fontSize={12} className="dist-value">
              {removed ? `✕ ${b.removedBy}` : `${(b.prob * 100).toFixed(1)}%`}
            </text>
            {onPick && b.allowed && (
              <foreignObject x={width - 56} y={0} width={56} height={y.bandwidth()}>
                <button type="button" className="pick" data-testid="pick-token" onClick={() => onPick(b.id)} aria-label={`${pickLabel}: ${JSON.stringify(b.label)}`}>
                  {pickLabel}
                </button>
              </foreignObject>
            )}
          </g>
        );
      })}
      {other !== null && (
        <g data-testid="dist-other" data-prob={other} transform={`translate(0,${y(bars.length) ?? 0})`} className="dist-row other">
          <title>{`All other tokens (the server did not list them): ${(other * 100).toFixed(2)}%`}</title>
          <text x={labelWidth - 6} y={y.bandwidth() / 2} dy="0.35em" textAnchor="end" fontSize={12} className="dist-label">
            all other tokens
          </text>
          <rect x={labelWidth} width={x(other)} height={y.bandwidth()} fill="#c7cbd1" />
          <text x={labelWidth + chartWidth + 6} y={y.bandwidth() / 2} dy="0.35em" fontSize={12} className="dist-value">
            {`${(other * 100).toFixed(1)}%`}
          </text>
        </g>
      )}
    </svg>
    </ChartFrame>
  );
}
