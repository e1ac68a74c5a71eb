import { tokenizerLabel } from '../../state/tokenizerCatalog';
import { COMPARE_PREVIEW_CHARS, tokenizerActions, useTokenizerStore } from '../../state/tokenizerStore';
import { formatCount } from '../../state/formatCount';

/** Splits the preview text at each tokenizer's token starts: a compact picture of where it cuts. */
function SplitPreview({ text, starts }: { text: string; starts: Uint32Array }) {
  const preview = text.slice(0, COMPARE_PREVIEW_CHARS);
  const pieces: string[] = [];
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i];
    const e = i + 1 < starts.length ? starts[i + 1] : preview.length;
    if (e > s) pieces.push(preview.slice(s, e));
  }
  return (
    <span className="split-preview">
      {pieces.map((p, i) => (
        <span key={i} className={`split split-${i % 2 ? 'odd' : 'even'}`}>
          {p.replace(/ /g, '·').replace(/\n/g, '↵').replace(/\t/g, '→')}
        </span>
      ))}
      {text.length > COMPARE_PREVIEW_CHARS && <span className="muted"> …</span>}
    </span>
  );
}

export function CompareView() {
  const text = useTokenizerStore((s) => s.text);
  const { rows, running, error, text: comparedText, characters } = useTokenizerStore((s) => s.comparison);
  const stale = rows.length > 0 && comparedText !== text;
  return (
    <section className="card" aria-labelledby="compare-heading">
      <div className="row">
        <h2 id="compare-heading">Compare tokenizers</h2>
        <button type="button" data-testid="compare-run" onClick={tokenizerActions.compare} disabled={running}>
          {running ? 'Comparing…' : rows.length ? 'Compare again' : 'Compare all tokenizers'}
        </button>
        {stale && <span className="muted">The text changed since this comparison.</span>}
      </div>
      {running && <progress aria-label="Comparing tokenizers" />}
      {error && (
        <p role="alert" className="error-box">
          {error}
        </p>
      )}
      {rows.length > 0 && (
        <table className="compare-table" data-testid="compare-table">
          <caption className="sr-only">Token counts of the same text under every tokenizer</caption>
          <thead>
            <tr>
              <th scope="col">Tokenizer</th>
              <th scope="col">Tokens</th>
              <th scope="col">Chars / token</th>
              <th scope="col">Where it splits (first {COMPARE_PREVIEW_CHARS} characters)</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.tokenizerId} data-testid="compare-row" data-tokenizer={r.tokenizerId} data-count={r.count}>
                <th scope="row">{tokenizerLabel(r.tokenizerId)}</th>
                {r.error ? (
                  <td colSpan={3} className="error-text">
                    {r.error}
                  </td>
                ) : (
                  <>
                    <td className="num">{formatCount(r.count)}</td>
                    <td className="num">{r.count ? (characters / r.count).toFixed(2) : '—'}</td>
                    <td>
                      <SplitPreview text={comparedText} starts={r.previewStarts} />
                    </td>
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
