import { useLayoutEffect, useRef, useState, type MouseEvent } from 'react';
import { max, scaleBand, scaleLinear } from 'd3';

export interface LatencySeries {
  label: string;
  colour: string;
  /** per-step milliseconds; step 0 is the prefill */
  ms: number[];
}

const MARGIN = { top: 8, right: 8, bottom: 24, left: 48 };
const AXIS_TEXT = '#545763';

interface Layout {
  innerW: number;
  innerH: number;
  x: ReturnType<typeof scaleBand<number>>;
  sub: ReturnType<typeof scaleBand<number>>;
  y: ReturnType<typeof scaleLinear<number, number>>;
  steps: number;
}

function layoutOf(series: LatencySeries[], width: number, height: number): Layout {
  const steps = Math.max(0, ...series.map((s) => s.ms.length));
  const innerW = width - MARGIN.left - MARGIN.right;
  const innerH = height - MARGIN.top - MARGIN.bottom;
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
  return { innerW, innerH, x, sub, y, steps };
}

/** Only the bars: the axes are SVG under the canvas (text on a canvas re-resolves its font at every draw). */
function draw(canvas: HTMLCanvasElement, series: LatencySeries[], width: number, height: number, l: Layout): void {
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  g.translate(MARGIN.left, MARGIN.top);
  const w = Math.max(1, l.sub.bandwidth());
  series.forEach((s, si) => {
    g.fillStyle = s.colour;
    const dx = l.sub(si) ?? 0;
    s.ms.forEach((ms, i) => {
      const top = l.y(ms);
      g.fillRect((l.x(i) ?? 0) + dx, top, w, l.innerH - top);
    });
  });
}

/** Grid lines, tick labels and the first and last step: a handful of SVG nodes that change only with the scale. */
function Axes({ l, width, height }: { l: Layout; width: number; height: number }) {
  return (
    <svg width={width} height={height} aria-hidden="true" className="latency-axes">
      <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
        {l.y.ticks(4).map((t) => (
          <g key={t} transform={`translate(0,${l.y(t)})`}>
            <line x2={l.innerW} stroke="#e3e5e8" />
            <text x={-6} dy="0.32em" textAnchor="end" fontSize={10} fill={AXIS_TEXT}>
              {t} ms
            </text>
          </g>
        ))}
        <text x={0} y={l.innerH + 16} fontSize={10} fill={AXIS_TEXT}>
          step 1 (prefill)
        </text>
        <text x={l.innerW} y={l.innerH + 16} fontSize={10} textAnchor="end" fill={AXIS_TEXT}>
          step {l.steps}
        </text>
      </g>
    </svg>
  );
}

/**
 * Per-step latency bars, one group per step, so prefill vs decode (and KV cache on vs off) read at a glance.
 * Drawn on a canvas: the chart gains a bar (and often a new scale) at every streamed step, which as SVG re-laid out
 * every bar each time. Hovering a bar shows its figures in a tooltip outside the canvas, so it is never clipped.
 */
export function LatencyChart({ series, width = 640, height = 180 }: { series: LatencySeries[]; width?: number; height?: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ step: number; left: number; top: number } | null>(null);
  const l = layoutOf(series, width, height);
  useLayoutEffect(() => {
    if (canvas.current && l.steps > 0) draw(canvas.current, series, width, height, l);
  });
  if (l.steps === 0) return null;
  const onMove = (e: MouseEvent<HTMLCanvasElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const px = e.clientX - box.left - MARGIN.left;
    const step = Math.floor((px / l.innerW) * l.steps);
    if (px < 0 || step < 0 || step >= l.steps) return setHover(null);
    setHover({ step, left: e.clientX - box.left, top: e.clientY - box.top });
  };
  const tip = hover && hover.step < l.steps ? series.filter((s) => hover.step < s.ms.length).map((s) => `${s.label}: ${s.ms[hover.step].toFixed(1)} ms`) : null;
  return (
    <div className="latency-chart" style={{ width, height }}>
      <Axes l={l} width={width} height={height} />
      <canvas
        ref={canvas}
        style={{ width, height }}
        role="img"
        aria-label={`Latency of each of ${l.steps} steps in milliseconds: ${series.map((s) => `${s.label}, slowest ${Math.max(...s.ms).toFixed(1)} ms`).join('; ')}`}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
      />
      {tip && hover && (
        <div className="chart-tooltip" role="tooltip" style={{ left: hover.left + 12, top: hover.top + 12 }}>
          Step {hover.step + 1}
          {hover.step === 0 ? ' (prefill)' : ''}
          {tip.map((t) => (
            <div key={t}>{t}</div>
          ))}
        </div>
      )}
    </div>
  );
}
