import { useDeferredValue } from 'react';
import { bucketLabels } from '../../engine/analyse/summary';
import { textAt } from '../../engine/analyse/tokenTexts';
import { RankHistogram } from '../../charts/RankHistogram';
import { analysisSummary, useAnalyseStore } from '../../state/analyseStore';
import { escapeTokenText } from '../tokenizer/tokenDisplay';
import { focusToken } from './AnalysedText';
import { BUCKET_COLOURS, formatBits, formatProb } from './colours';
import { formatCount } from '../../state/formatCount';

function Count({ label, value, testId, title }: { label: string; value: string; testId?: string; title?: string }) {
  return (
    <div className="count" title={title}>
      <span className="count-value" data-testid={testId}>
        {value}
      </span>
      <span className="count-label">{label}</span>
    </div>
  );
}

/** Mean surprisal, perplexity, rank buckets and the most surprising tokens of the analysed text. */
export function SummaryPanel() {
  // a later, interruptible render: the panel (the worker summarised the text) is drawn after the first tokens
  const result = useDeferredValue(useAnalyseStore((s) => s.result));
  const thresholds = useDeferredValue(useAnalyseStore((s) => s.thresholds));
  const summary = analysisSummary({ result, thresholds });
  if (!result || !summary) return null;
  const labels = bucketLabels(thresholds);
  const unscored = result.ids.length - summary.scored;
  return (
    <section className="card" aria-labelledby="analyse-summary-h" data-testid="analyse-summary">
      <h2 id="analyse-summary-h">Summary</h2>
      <div className="counts">
        <Count label="bits per token (mean surprisal)" value={formatBits(summary.bitsPerToken) === '–' ? '–' : summary.bitsPerToken.toFixed(2)} testId="analyse-bits-per-token" />
        <Count label="bits per byte (UTF-8)" value={Number.isFinite(summary.bitsPerByte) ? summary.bitsPerByte.toFixed(3) : '–'} testId="analyse-bits-per-byte" />
        <Count label="perplexity (2^bits per token)" value={Number.isFinite(summary.perplexity) ? summary.perplexity.toFixed(2) : '–'} testId="analyse-perplexity" />
        <Count label="mean entropy, bits" value={formatBits(summary.meanEntropyBits)} />
        <Count label="tokens scored" value={formatCount(summary.scored)} testId="analyse-scored" />
        <Count label={`window${result.plan.windows === 1 ? '' : 's'} of ${result.plan.contextWindow}`} value={String(result.plan.windows)} testId="analyse-windows" />
        <p className="count-note">
          Model <code>{result.modelId}</code>, {result.ms.toFixed(0)} ms.{' '}
          {result.plan.prefixIds.length > 0
            ? 'Every token, the first included, is predicted from what precedes it after the model’s start-of-text token.'
            : `The model has no start-of-text token, so the first token has no prediction${unscored ? ' and is not counted' : ''}.`}{' '}
          {result.plan.windows > 1 &&
            `The text is longer than the model's window: windows overlap so every token after the first window saw at least ${result.plan.contextWindow - result.plan.prefixIds.length - result.plan.stride} tokens of context.`}
        </p>
      </div>
      <div className="two-col">
        <div>
          <h3>Rank buckets</h3>
          <RankHistogram bars={summary.bucketCounts.map((count, i) => ({ label: labels[i], count, colour: BUCKET_COLOURS[Math.min(i, BUCKET_COLOURS.length - 1)] }))} />
        </div>
        <div>
          <h3 id="analyse-surprising-h">Most surprising tokens</h3>
          <ol className="a-surprising" aria-labelledby="analyse-surprising-h">
            {summary.mostSurprising.map((i) => (
              <li key={i}>
                <button type="button" data-testid="analyse-surprising" data-index={i} onClick={() => focusToken(i)}>
                  <code>{JSON.stringify(escapeTokenText(textAt(result.texts, i)))}</code> {formatBits(result.surprisal[i])} bits, rank {formatCount(result.rank[i])}, p=
                  {formatProb(result.prob[i])}
                </button>
              </li>
            ))}
          </ol>
        </div>
      </div>
    </section>
  );
}
