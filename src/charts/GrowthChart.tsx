/** Tokens used after N repeated turns, with the context window as a line. */
import { line } from 'd3';
import { scaleLinear } from 'd3';
import { ChartFrame } from './ChartFrame';
import { formatCount } from '../state/formatCount';

export function GrowthChart({ points, window: contextWindow, overflowAt, width = 640, height = 180 }: { points: { turns: number; total: number }[]; window: number | null; overflowAt: number | null; width?: number; height?: number }) {
  const m = { l: 56, r: 10, t: 10, b: 28 };
  if (points.length === 0) return null;
  const maxTurns = points[points.length - 1].turns;
  const maxY = Math.max(contextWindow ?? 0, ...points.map((p) => p.total)) * 1.05;
  const x = scaleLinear().domain([1, Math.max(2, maxTurns)]).range([m.l, width - m.r]);
  const y = scaleLinear().domain([0, maxY]).range([height - m.b, m.t]);
  const path = line<{ turns: number; total: number }>()
    .x((p) => x(p.turns))
    .y((p) => y(p.total))(points);
  return (
    <ChartFrame name="growth" title="growth chart">
    <svg role="img" aria-label={`Tokens after each turn${overflowAt ? `; the window overflows at turn ${overflowAt}` : ''}`} width="100%" viewBox={`0 0 ${width} ${height}`} className="growth-chart">
      {y.ticks(4).map((t) => (
        <g key={t}>
          <line x1={m.l} x2={width - m.r} y1={y(t)} y2={y(t)} stroke="#e3e5ea" />
          <text x={m.l - 4} y={y(t) + 4} textAnchor="end" fontSize={10}>{formatCount(t)}</text>
        </g>
      ))}
      {x.ticks(6).filter(Number.isInteger).map((t) => (
        <text key={t} x={x(t)} y={height - 10} textAnchor="middle" fontSize={10}>{t}</text>
      ))}
      <text x={width - m.r} y={height - 0} textAnchor="end" fontSize={10}>turns</text>
      {contextWindow != null && <line x1={m.l} x2={width - m.r} y1={y(contextWindow)} y2={y(contextWindow)} stroke="#8a1111" strokeDasharray="4 3" strokeWidth={1.5} />}
      <path d={path ?? ''} fill="none" stroke="#0b5cad" strokeWidth={2} />
      {overflowAt != null && <circle cx={x(overflowAt)} cy={y(points.find((p) => p.turns >= overflowAt)?.total ?? 0)} r={4} fill="#8a1111" />}
    </svg>
    </ChartFrame>
  );
}
