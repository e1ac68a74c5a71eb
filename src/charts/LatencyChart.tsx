import { memo } from 'react';
import { max, scaleBand, scaleLinear } from 'd3';
import { ChartFrame } from './ChartFrame';

export interface LatencySeries {
  label: string;
  colour: string;
  /** per-step milliseconds; step 0 is the prefill */
  ms: number[];
}

interface BarProps {
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  title: string;
}

/** One bar; memoised, so a streamed step renders its own bar, not every bar again (their scales stay put, see `slots`). */
const Bar = memo(function Bar({ x, y, width, height, fill, title }: BarProps) {
  return (
    <rect x={x} y={y} width={width} height={height} fill={fill}>
      <title>{title}</title>
    </rect>
  );
});

/**
 * Per-step latency bars, one group per step, so prefill vs decode (and KV cache on vs off) read at a glance.
 * `slots`: the steps the x axis has room for (while a run streams, the steps it may reach), so the bars drawn do not
 * move (and lay out again) with every new step.
 */
export function LatencyChart({ series, slots = 0, width = 640, height = 180 }: { series: LatencySeries[]; slots?: number; width?: number; height?: number }) {
  const drawn = Math.max(0, ...series.map((s) => s.ms.length));
  if (drawn === 0) return null;
  const steps = Math.max(drawn, slots);
  const margin = { top: 8, right: 8, bottom: 24, left: 48 };
  const innerW = width - margin.left - margin.right;
  const innerH = height - margin.top - margin.bottom;
  const x = scaleBand<number>()
    .domain([...Array(steps).keys()])
    .range([0, innerW])
    .padding(0.1);
  const sub = scaleBand<number>()
    .domain(series.map((_, i) => i))
    .range([0, x.bandwidth()]);
  const y = scaleLinear()
    .domain([0, max(series.flatMap((s) => s.ms)) ?? 1])
    .nice()
    .range([innerH, 0]);
  const ticks = y.ticks(4);
  return (
    <ChartFrame name="latency" title="latency chart">
    <svg width={width} height={height} role="img" aria-label={`Latency of each step in milliseconds: ${series.map((s) => s.label).join(' and ')}`}>
      <g transform={`translate(${margin.left},${margin.top})`}>
        {ticks.map((t) => (
          <g key={t} transform={`translate(0,${y(t)})`}>
            <line x2={innerW} stroke="#e3e5e8" />
            <text x={-6} dy="0.32em" textAnchor="end" fontSize={10} fill="#545763">
              {t} ms
            </text>
          </g>
        ))}
        {series.map((s, si) =>
          s.ms.map((ms, i) => (
            <Bar
              key={`${si}-${i}`}
              x={(x(i) ?? 0) + (sub(si) ?? 0)}
              y={y(ms)}
              width={Math.max(1, sub.bandwidth())}
              height={innerH - y(ms)}
              fill={s.colour}
              title={`${s.label}, step ${i + 1}${i === 0 ? ' (prefill)' : ''}: ${ms.toFixed(1)} ms`}
            />
          )),
        )}
        <text x={0} y={innerH + 16} fontSize={10} fill="#545763">
          step 1 (prefill)
        </text>
        <text x={innerW} y={innerH + 16} fontSize={10} textAnchor="end" fill="#545763">
          step {steps}
        </text>
      </g>
    </svg>
    </ChartFrame>
  );
}
