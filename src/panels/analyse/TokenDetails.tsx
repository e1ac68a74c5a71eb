import { bucketLabels, rankBucket } from '../../engine/analyse/summary';
import { TOP_ALTERNATIVES } from '../../engine/analyse/types';
import { textAt } from '../../engine/analyse/tokenTexts';
import { AlternativeBars } from '../../charts/AlternativeBars';
import { escapeTokenText } from '../tokenizer/tokenDisplay';
import { useAnalyseStore } from '../../state/analyseStore';
import { formatBits, formatProb } from './colours';
import { formatCount } from '../../state/formatCount';

/** The numbers of the hovered (else the selected) token and its top alternatives. */
export function TokenDetails() {
  const result = useAnalyseStore((s) => s.result);
  const thresholds = useAnalyseStore((s) => s.thresholds);
  const index = useAnalyseStore((s) => s.hovered ?? s.selected);
  if (!result) return null;
  if (index === null || index >= result.ids.length) {
    return (
      <aside className="a-details" aria-label="Token details" data-testid="analyse-details">
        <p className="muted">Hover over a token, or focus one (Tab, then the arrow keys), to see its numbers and what the model expected instead.</p>
      </aside>
    );
  }
  const rank = result.rank[index];
  // a server's partial scores: this rank only says "beyond its top N"
  const beyond = result.partial?.rankBeyond !== undefined && result.partial.rankBeyond !== null && rank === result.partial.rankBeyond;
  const id = result.ids[index];
  const text = textAt(result.texts, index);
  const bars = [];
  for (let j = 0; j < TOP_ALTERNATIVES; j++) {
    const alt = result.topIds[index * TOP_ALTERNATIVES + j];
    if (alt < 0) continue;
    bars.push({ id: alt, label: escapeTokenText(result.altTexts[alt] ?? `#${alt}`), prob: result.topProbs[index * TOP_ALTERNATIVES + j], actual: alt === id });
  }
  return (
    <aside className="a-details" aria-label="Token details" data-testid="analyse-details" data-index={index}>
      <h3>
        Token {index + 1}: <code>{JSON.stringify(escapeTokenText(text))}</code> <span className="muted">ID {id}</span>
      </h3>
      {rank >= 1 ? (
        <>
          <dl className="a-numbers">
            <div>
              <dt>rank</dt>
              <dd data-testid="detail-rank">
                {beyond ? (
                  `> ${result.partial!.topN} (not among the server’s top ${result.partial!.topN})`
                ) : (
                  <>
                    {formatCount(rank)} <span className="muted">({bucketLabels(thresholds)[rankBucket(rank, thresholds)]})</span>
                  </>
                )}
              </dd>
            </div>
            <div>
              <dt>probability</dt>
              <dd data-testid="detail-prob">{formatProb(result.prob[index])}</dd>
            </div>
            <div>
              <dt>surprisal</dt>
              <dd>{formatBits(result.surprisal[index])} bits</dd>
            </div>
            <div>
              <dt>entropy at this position</dt>
              <dd>{formatBits(result.entropy[index])} bits</dd>
            </div>
            <div>
              <dt>context seen</dt>
              <dd>
                {result.contextTokens[index]} tokens{result.plan.windows > 1 ? ` (window ${result.window[index] + 1} of ${result.plan.windows})` : ''}
              </dd>
            </div>
          </dl>
          <p className="muted a-alt-title">What the model expected here (top {TOP_ALTERNATIVES}; ▶ the actual token):</p>
          <AlternativeBars bars={bars} />
          {!bars.some((b) => b.actual) && <p className="muted">The actual token is not among them: rank {formatCount(rank)}.</p>}
        </>
      ) : (
        <p className="muted">No prediction: this is the first token and the model has no start-of-text token to predict it from.</p>
      )}
    </aside>
  );
}
