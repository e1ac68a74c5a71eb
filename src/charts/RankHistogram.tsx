import { scaleBand, scaleLinear } from 'd3';
import { ChartFrame } from './ChartFrame';

interface HistogramBar {
  label: string;
  count: number;
  colour: string;
}

interface Props {
  bars: HistogramBar[];
  width?: number;
  height?: number;
}

/** Vertical bars: how many tokens fell in each rank bucket, counts and shares written on the bars. */
export function RankHistogram({ bars, width = 420, height = 170 }: Props) {
  const margin = { top: 18, bottom: 22, left: 8, right: 8 };
  const total = bars.reduce((a, b) => a + b.count, 0);
  const x = scaleBand<number>()
    .domain(bars.map((_, i) => i))
    .range([margin.left, width - margin.right])
    .padding(0.2);
  const y = scaleLinear()
    .domain([0, Math.max(1, ...bars.map((b) => b.count))])
    .range([height - margin.bottom, margin.top]);
  return (
    <ChartFrame name="rank-histogram" title="rank histogram">
    <svg width={width} height={height} role="img" aria-label={`Tokens per rank bucket: ${bars.map((b) => `${b.label} ${b.count}`).join(', ')}`} className="rank-histogram" data-testid="analyse-histogram">
      {bars.map((b, i) => {
        const left = x(i) ?? 0;
        const top = y(b.count);
        return (
          <g key={b.label} data-testid="analyse-bucket" data-bucket={b.label} data-count={b.count}>
            <rect x={left} y={top} width={x.bandwidth()} height={height - margin.bottom - top} fill={b.colour} stroke="#5d6b82" />
            <text x={left + x.bandwidth() / 2} y={top - 4} textAnchor="middle" fontSize={11}>
              {b.count}
              {total ? ` (${Math.round((b.count / total) * 100)}%)` : ''}
            </text>
            <text x={left + x.bandwidth() / 2} y={height - 6} textAnchor="middle" fontSize={11}>
              {b.label}
            </text>
          </g>
        );
      })}
    </svg>
    </ChartFrame>
  );
}
