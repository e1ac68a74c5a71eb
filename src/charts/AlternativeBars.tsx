import { scaleLinear } from 'd3';
import { ChartFrame } from './ChartFrame';

interface AlternativeBar {
  id: number;
  label: string;
  prob: number;
  /** the token that actually came next */
  actual: boolean;
}

interface Props {
  bars: AlternativeBar[];
  width?: number;
}

const ROW = 18;

/** Small horizontal bars: the model's top alternatives at one position, the actual token marked. */
export function AlternativeBars({ bars, width = 320 }: Props) {
  const labelWidth = 110;
  const valueWidth = 56;
  const chart = Math.max(60, width - labelWidth - valueWidth);
  const x = scaleLinear().domain([0, Math.max(1e-9, ...bars.map((b) => b.prob))]).range([0, chart]);
  return (
    <ChartFrame name="alternatives" title="top alternatives chart">
    <svg width={width} height={bars.length * ROW + 4} role="img" aria-label="The model's top alternatives at this position" className="alt-bars" data-testid="analyse-alternatives">
      {bars.map((b, i) => (
        <g key={b.id} transform={`translate(0,${i * ROW + 2})`} data-testid="analyse-alternative" data-token-id={b.id} data-prob={b.prob}>
          <title>{`${JSON.stringify(b.label)} (ID ${b.id}): ${(b.prob * 100).toFixed(2)}%${b.actual ? ' — the actual next token' : ''}`}</title>
          <text x={labelWidth - 6} y={ROW / 2} dy="0.3em" textAnchor="end" fontSize={12} className="alt-label">
            {b.actual ? '▶ ' : ''}
            {b.label}
          </text>
          <rect x={labelWidth} y={2} width={Math.max(1, x(b.prob))} height={ROW - 5} fill={b.actual ? '#0b5cad' : '#7d9cc4'} />
          <text x={labelWidth + chart + 6} y={ROW / 2} dy="0.3em" fontSize={12}>
            {(b.prob * 100).toFixed(1)}%
          </text>
        </g>
      ))}
    </svg>
    </ChartFrame>
  );
}
