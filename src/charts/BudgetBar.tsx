/** A stacked horizontal bar: tokens per part against a context window. React owns the DOM; d3 only scales. */
import { scaleLinear } from 'd3';
import { ChartFrame } from './ChartFrame';
import { formatCount } from '../state/formatCount';

export interface BudgetSegment {
  part: string;
  label: string;
  tokens: number;
  colour: string;
}

export function BudgetBar({ segments, window: contextWindow, width = 640, height = 28 }: { segments: BudgetSegment[]; window: number | null; width?: number; height?: number }) {
  const used = segments.reduce((s, x) => s + x.tokens, 0);
  const domainMax = Math.max(used, contextWindow ?? used, 1);
  const x = scaleLinear().domain([0, domainMax]).range([0, width]);
  let acc = 0;
  const title = `${formatCount(used)} of ${contextWindow ? formatCount(contextWindow) : 'unknown'} tokens`;
  return (
    <ChartFrame name="context-budget" title="context budget chart">
    <svg data-testid="budget-bar" role="img" aria-label={`Context budget: ${title}`} width="100%" viewBox={`0 0 ${width} ${height + 16}`} preserveAspectRatio="none" className="budget-bar">
      <rect x={0} y={0} width={width} height={height} fill="#ffffff" stroke="#5d6b82" />
      {segments.map((s) => {
        const x0 = x(acc);
        acc += s.tokens;
        return (
          <rect key={s.part} data-testid="budget-segment" data-part={s.part} data-tokens={s.tokens} x={x0} y={0} width={Math.max(0, x(acc) - x0)} height={height} fill={s.colour} stroke="#1b1b1f" strokeWidth={0.5}>
            <title>{`${s.label}: ${formatCount(s.tokens)} tokens`}</title>
          </rect>
        );
      })}
      {contextWindow != null && <line x1={x(contextWindow)} x2={x(contextWindow)} y1={0} y2={height + 6} stroke="#8a1111" strokeWidth={2} />}
      {contextWindow != null && (
        <text x={Math.min(x(contextWindow), width - 2)} y={height + 15} textAnchor="end" fontSize={11} fill="#1b1b1f">
          window {formatCount(contextWindow)}
        </text>
      )}
    </svg>
    </ChartFrame>
  );
}
