import { useEffect, useId, useMemo, useState } from 'react';
import { interpolateBlues, scaleLinear } from 'd3';
import type { InsideResult } from '../../engine/protocol';
import { insideActions, useInsideStore, type HeadChoice, type InsideLab } from '../../state/insideStore';
import { escapeTokenText } from '../tokenizer/tokenDisplay';
import './inside.css';

const LENS_TOP = 5;
const pct = (p: number) => `${(100 * p).toFixed(p >= 0.1 ? 1 : 2)}%`;

/**
 * Inside the model, for one prediction: the logit lens, the attention of the predicting position and the residual
 * norm, per layer. `ids` is the context the prediction follows (null: nothing to explain). Data is fetched only
 * while the panel is open and dropped when it closes or unmounts.
 */
export function InsidePanel({ lab, ids, texts, what }: { lab: InsideLab; ids: number[] | null; texts: string[]; what: string }) {
  const open = useInsideStore((s) => s.open[lab]);
  const bodyId = useId();
  const key = ids ? ids.join(',') : '';
  useEffect(() => {
    if (!open) return;
    if (ids && ids.length > 0) insideActions.show(lab, ids);
    else insideActions.drop();
    // the key stands for ids
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, key, lab]);
  useEffect(() => () => insideActions.setOpen(lab, false), [lab]);
  return (
    <section className="card inside" data-testid="inside-panel" aria-label="Inside the model">
      <h2>
        <button type="button" className="inside-toggle" data-testid="inside-toggle" aria-expanded={open} aria-controls={bodyId} onClick={() => insideActions.setOpen(lab, !open)}>
          {open ? '▾' : '▸'} Inside the model <span className="muted">{what}</span>
        </button>
      </h2>
      <div id={bodyId} hidden={!open}>
        {open && <InsideBody lab={lab} texts={texts} empty={!ids || ids.length === 0} />}
      </div>
    </section>
  );
}

function InsideBody({ lab, texts, empty }: { lab: InsideLab; texts: string[]; empty: boolean }) {
  const mine = useInsideStore((s) => s.lab === lab);
  const status = useInsideStore((s) => s.status);
  const result = useInsideStore((s) => s.result);
  const error = useInsideStore((s) => s.error);
  if (empty) return <p className="muted">Nothing to look inside yet: select a step (Generate) or a token that has a prediction (Analyse).</p>;
  if (!mine || status === 'loading' || status === 'idle')
    return (
      <p className="muted" role="status" data-testid="inside-loading">
        Running the model once over this context with its internals…
      </p>
    );
  if (status === 'error' || !result)
    return (
      <p className="error-box" role="alert" data-testid="inside-error">
        {error}
      </p>
    );
  const context = texts.slice(-result.positions);
  return (
    <div className="inside-views" data-testid="inside-views" data-ms={result.ms.toFixed(1)}>
      <LensGrid result={result} />
      <AttentionView result={result} texts={context} />
      <ResidualNorms result={result} />
    </div>
  );
}

function Unavailable({ why }: { why: string }) {
  return (
    <p className="notice" data-testid="inside-unavailable">
      {why}
    </p>
  );
}

function LensGrid({ result }: { result: InsideResult }) {
  const { layers, lensIds, lensProbs, finalChoiceProbs, tokenTexts } = result;
  return (
    <div className="inside-view">
      <h3>Logit lens</h3>
      <p className="caption">
        The model refines its guess layer by layer: each row reads the residual stream after that layer through the final norm and output head, as if the model stopped there.
        <br />
        The last row is the model’s own next-token distribution; ★ marks the layer where its final choice first becomes the top token.
      </p>
      {!lensIds || !lensProbs || !finalChoiceProbs ? (
        <Unavailable why={result.unavailable.lens ?? 'No logit lens for this model.'} />
      ) : (
        (() => {
          const finalId = lensIds[(layers - 1) * LENS_TOP];
          const firstTop = Array.from({ length: layers }, (_, l) => lensIds[l * LENS_TOP]).indexOf(finalId);
          return (
            <table className="inside-lens" data-testid="lens-grid">
              <thead>
                <tr>
                  <th scope="col">Layer</th>
                  {Array.from({ length: LENS_TOP }, (_, r) => (
                    <th scope="col" key={r}>
                      #{r + 1}
                    </th>
                  ))}
                  <th scope="col">final choice</th>
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: layers }, (_, l) => (
                  <tr key={l} data-testid="lens-row" data-layer={l} data-top-id={lensIds[l * LENS_TOP]} data-top-prob={lensProbs[l * LENS_TOP]} className={l === layers - 1 ? 'output' : undefined}>
                    <th scope="row">
                      {l === layers - 1 ? `${l + 1} (output)` : l + 1}
                      {l === firstTop && (
                        <span className="first-top" title="the final choice is first the top token here">
                          {' '}
                          <span aria-hidden="true">★</span>
                          <span className="sr-only">the final choice is first the top token here</span>
                        </span>
                      )}
                    </th>
                    {Array.from({ length: LENS_TOP }, (_, r) => {
                      const id = lensIds[l * LENS_TOP + r];
                      const p = lensProbs[l * LENS_TOP + r];
                      return (
                        <td key={r} className={id === finalId ? 'final' : undefined} style={{ background: `rgba(31, 119, 180, ${Math.min(0.6, p)})` }}>
                          <code>{JSON.stringify(escapeTokenText(tokenTexts[id] ?? `#${id}`))}</code> {pct(p)}
                        </td>
                      );
                    })}
                    <td>{pct(finalChoiceProbs[l])}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        })()
      )}
    </div>
  );
}

/** The weights of one head (or their mean) from the predicting position to every context position. */
function headRow(result: InsideResult, layer: number, head: HeadChoice): Float32Array {
  const { heads, positions: n, attention } = result;
  const at = (h: number) => attention!.subarray((layer * heads + h) * n, (layer * heads + h + 1) * n);
  if (head !== 'mean') return at(head);
  const mean = new Float32Array(n);
  for (let h = 0; h < heads; h++) at(h).forEach((w, k) => (mean[k] += w / heads));
  return mean;
}

function AttentionView({ result, texts }: { result: InsideResult; texts: string[] }) {
  const layer = useInsideStore((s) => Math.min(s.layer, result.layers - 1));
  const head = useInsideStore((s) => (s.head === 'mean' || s.head < result.heads ? s.head : 'mean'));
  const [active, setActive] = useState<number | null>(null);
  const ids = useId();
  const row = useMemo(() => (result.attention ? headRow(result, layer, head) : null), [result, layer, head]);
  const max = useMemo(() => (row ? Math.max(...row, 1e-9) : 1), [row]);
  const colour = (w: number) => interpolateBlues(0.05 + 0.95 * (w / max));
  const n = result.positions;
  const focusToken = (k: number) => {
    setActive(k);
    document.getElementById(`${ids}-tok-${k}`)?.focus();
  };
  return (
    <div className="inside-view">
      <h3>Attention</h3>
      <p className="caption">
        Attention is what a position reads from the context: each head spreads weights that sum to 1 over this position and the ones before it, never later ones.
        <br />
        In decoding only the new token’s row is computed; the earlier tokens’ keys and values are reused from the KV cache, which is why the cache works.
      </p>
      {!row ? (
        <Unavailable why={result.unavailable.attention ?? 'No attention weights for this model.'} />
      ) : (
        <>
          <div className="controls">
            <label>
              Layer{' '}
              <select data-testid="attention-layer" value={layer} onChange={(e) => insideActions.setLayer(Number(e.target.value))}>
                {Array.from({ length: result.layers }, (_, l) => (
                  <option key={l} value={l}>
                    {l + 1}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Head{' '}
              <select
                data-testid="attention-head"
                value={String(head)}
                onChange={(e) => insideActions.setHead(e.target.value === 'mean' ? 'mean' : Number(e.target.value))}
              >
                <option value="mean">mean over heads</option>
                {Array.from({ length: result.heads }, (_, h) => (
                  <option key={h} value={h}>
                    {h + 1}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div
            className="inside-attention"
            role="listbox"
            aria-label={`Attention weights of ${head === 'mean' ? 'the mean over heads' : `head ${head + 1}`} in layer ${layer + 1} on each context token; arrow keys move between tokens`}
            data-testid="attention-row"
            data-head={String(head)}
            data-weights={JSON.stringify(Array.from(row))}
            onKeyDown={(e) => {
              const k = active ?? n - 1;
              if (e.key === 'ArrowRight' || e.key === 'ArrowDown') focusToken(Math.min(n - 1, k + 1));
              else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') focusToken(Math.max(0, k - 1));
              else if (e.key === 'Home') focusToken(0);
              else if (e.key === 'End') focusToken(n - 1);
              else return;
              e.preventDefault();
            }}
          >
            {Array.from(row, (w, k) => (
              <span
                key={k}
                id={`${ids}-tok-${k}`}
                role="option"
                aria-selected={k === active}
                className={`inside-token${k === active ? ' active' : ''}`}
                tabIndex={k === (active ?? n - 1) ? 0 : -1}
                style={{ background: colour(w), color: w / max > 0.6 ? 'white' : undefined }}
                aria-label={`${JSON.stringify(escapeTokenText(texts[k] ?? ''))}: ${pct(w)}`}
                onMouseEnter={() => setActive(k)}
                onFocus={() => setActive(k)}
              >
                {escapeTokenText(texts[k] ?? '') || '∅'}
              </span>
            ))}
          </div>
          <HeadsAt result={result} layer={layer} position={active} text={active === null ? '' : texts[active] ?? ''} />
        </>
      )}
    </div>
  );
}

function HeadsAt({ result, layer, position, text }: { result: InsideResult; layer: number; position: number | null; text: string }) {
  if (position === null) return <p className="muted">Hover over a token, or focus it (Tab, then the arrow keys), to see its weight in every head of this layer.</p>;
  const { heads, positions: n, attention } = result;
  return (
    <div data-testid="attention-heads" aria-live="polite">
      <p>
        <code>{JSON.stringify(escapeTokenText(text))}</code> (position {position + 1}) in layer {layer + 1}:
      </p>
      <ul className="inside-heads">
        {Array.from({ length: heads }, (_, h) => (
          <li key={h}>
            head {h + 1}: {pct(attention![(layer * heads + h) * n + position])}
          </li>
        ))}
      </ul>
    </div>
  );
}

function ResidualNorms({ result }: { result: InsideResult }) {
  const norms = result.residualNorms;
  const w = 320, bar = 18, gap = 6, label = 70;
  return (
    <div className="inside-view">
      <h3>Residual stream</h3>
      <p className="caption">
        Each layer adds what it computed to the residual stream, the running vector the next layer reads; its length (L2 norm) per layer shows how much has been written.
        <br />
        This stack of layers is the guide’s “architecture code”: the same layers run for every token, with the same weights.
      </p>
      {!norms ? (
        <Unavailable why={result.unavailable.residual ?? 'No residual-stream norms for this model.'} />
      ) : (
        (() => {
          const x = scaleLinear().domain([0, Math.max(...norms)]).range([0, w - label - 60]);
          return (
            <svg
              width={w}
              height={norms.length * (bar + gap)}
              role="img"
              data-testid="residual-norms"
              aria-label={`Residual-stream norm after each layer: ${Array.from(norms, (v, l) => `layer ${l + 1} ${v.toFixed(1)}`).join(', ')}`}
            >
              {Array.from(norms, (v, l) => (
                <g key={l} transform={`translate(0, ${l * (bar + gap)})`}>
                  <text x={label - 6} y={bar - 5} textAnchor="end">
                    layer {l + 1}
                  </text>
                  <rect x={label} width={x(v)} height={bar} fill="#1f77b4" />
                  <text x={label + x(v) + 4} y={bar - 5}>
                    {v.toFixed(1)}
                  </text>
                </g>
              ))}
            </svg>
          );
        })()
      )}
    </div>
  );
}
