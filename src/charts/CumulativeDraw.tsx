import { scaleLinear } from 'd3';
import { ChartFrame } from './ChartFrame';

export interface CumulativeSegment {
  id: number;
  label: string;
  prob: number;
}

/** The kept tokens laid end to end on [0, 1], and where the random draw fell. */
export function CumulativeDraw({ segments, u, width = 640 }: { segments: CumulativeSegment[]; u: number; width?: number }) {
  const x = scaleLinear().domain([0, 1]).range([0, width]);
  let at = 0;
  return (
    <ChartFrame name="cumulative-draw" title="cumulative draw chart">
    <svg width={width} height={48} role="img" aria-label={`Cumulative distribution of the kept tokens; the draw fell at ${u.toFixed(4)}`}>
      {segments.map((s, i) => {
        const x0 = x(at);
        at += s.prob;
        const w = Math.max(0, x(at) - x0);
        return (
          <g key={s.id}>
            <rect x={x0} y={8} width={w} height={20} fill={i % 2 ? '#ffe7c7' : '#dcecff'} stroke="#5d6b82" strokeWidth={0.5}>
              <title>{`${JSON.stringify(s.label)}: ${(s.prob * 100).toFixed(2)}%`}</title>
            </rect>
            {w > 36 && (
              <text x={x0 + 3} y={22} fontSize={10}>
                {s.label.slice(0, Math.floor(w / 7))}
              </text>
            )}
          </g>
        );
      })}
      <line x1={x(u)} x2={x(u)} y1={2} y2={34} stroke="#b3261e" strokeWidth={2} />
      <text x={Math.min(width - 60, x(u) + 4)} y={44} fontSize={11} fill="#b3261e">
        draw u = {u.toFixed(4)}
      </text>
    </svg>
    </ChartFrame>
  );
}
