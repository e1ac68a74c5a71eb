import { useEffect, useState, type ReactNode } from 'react';

/** The symbols the step panels draw (the chosen-token marker, visible whitespace, arrows, minus). */
const GLYPHS = 'Aa0 ▶↵·→…—–−∅★▸▾≈÷×';

/**
 * One sample of each text style the step panels use (same classes and SVG sizes as the real ones). They appear
 * together with the first generated token; each style new to the page made Chromium resolve its font with a
 * synchronous call to the browser process (10–150 ms each on a busy machine), which dropped most frames of the first
 * run after a page load. An e2e test checks that a run shows no text style that was not on the page before it.
 */
const SAMPLES: ReactNode[] = [
  <div className="gen-text" key="tokens">
    <span className="prompt-token">{GLYPHS}</span>
  </div>,
  <span className="count-value" key="count">
    {GLYPHS}
  </span>,
  <span className="chart-export" key="export">
    <button type="button" disabled>
      {GLYPHS}
    </button>
  </span>,
  <svg className="dist-chart" width={1} height={1} key="chart">
    <g className="dist-row chosen">
      <text className="dist-label" fontSize={12}>
        {GLYPHS}
      </text>
    </g>
    <g className="dist-row">
      <text className="dist-label" fontSize={12}>
        {GLYPHS}
      </text>
    </g>
    {[10, 11, 12].map((size) => (
      <text key={size} fontSize={size}>
        {GLYPHS}
      </text>
    ))}
  </svg>,
  <table className="pipeline-table" key="table">
    <tbody>
      {['chosen-row', ''].map((row) => (
        <tr className={row} key={row}>
          <th>{GLYPHS}</th>
          <td className="num">{GLYPHS}</td>
          <td>
            <code>{GLYPHS}</code>
          </td>
        </tr>
      ))}
    </tbody>
  </table>,
];

const whenIdle = (fn: () => void): (() => void) => {
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(fn, { timeout: 2000 });
    return () => cancelIdleCallback(id);
  }
  const id = setTimeout(fn, 50);
  return () => clearTimeout(id);
};

/** Lays out the step panels' text styles before any run, one style per idle moment, and keeps them (hidden). */
export function TypographyWarmup() {
  const [shown, setShown] = useState(0);
  useEffect(() => {
    if (shown >= SAMPLES.length) return;
    return whenIdle(() => setShown((n) => n + 1));
  }, [shown]);
  return (
    <div className="sr-only" aria-hidden="true" data-testid="typography-warmup" data-ready={shown >= SAMPLES.length}>
      {SAMPLES.slice(0, shown)}
    </div>
  );
}
