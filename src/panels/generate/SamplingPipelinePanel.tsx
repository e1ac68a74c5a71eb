import { useGenerateStore, selectedStepView } from '../../state/generateStore';
import { formatCount } from './format';
import { CumulativeDraw } from '../../charts/CumulativeDraw';
import { escapeTokenText } from '../tokenizer/tokenDisplay';

const ROWS = 10;

function pct(p: number): string {
  return `${(p * 100).toFixed(2)}%`;
}

/** Every stage of the selected step's decision: logits → ÷T → softmax → filters → renormalised → draw → token. */
export function SamplingPipelinePanel() {
  const view = useGenerateStore(selectedStepView);
  const settings = useGenerateStore((s) => s.settings);
  const constraintBy = useGenerateStore((s) => (s.constraintStatus.state === 'ready' ? s.constraintStatus.info.enforcedBy : null));
  if (!view) return null;
  const rows = view.distribution.candidates.slice(0, ROWS);
  const kept = view.distribution.candidates.filter((c) => c.prob > 0);
  const chosen = view.distribution.candidates.find((c) => c.id === view.distribution.chosenId);
  const greedy = !(settings.temperature > 0);
  const mask = view.distribution.mask;
  const filters: string[] = [];
  if (view.distribution.cutoffs.topK) filters.push(`top-k ${view.distribution.cutoffs.topK.k} removed ${formatCount(view.distribution.cutoffs.topK.removed)}`);
  if (view.distribution.cutoffs.topP) filters.push(`top-p ${view.distribution.cutoffs.topP.p} removed ${formatCount(view.distribution.cutoffs.topP.removed)} (nucleus mass ${view.distribution.cutoffs.topP.cumulativeAtCut.toFixed(3)})`);
  if (view.distribution.cutoffs.minP) filters.push(`min-p ${view.distribution.cutoffs.minP.minP} removed ${formatCount(view.distribution.cutoffs.minP.removed)} (threshold ${view.distribution.cutoffs.minP.threshold.toExponential(2)})`);
  return (
    <section className="card" aria-labelledby="pipeline-heading">
      <h2 id="pipeline-heading">Sampling pipeline, step {view.stepIndex + 1}</h2>
      <ol className="pipeline-stages">
        <li>Raw logits from the model (one number per vocabulary entry).</li>
        <li>{settings.repetitionPenalty !== 1 ? `Repetition penalty ${settings.repetitionPenalty} on tokens already in the context.` : 'Repetition penalty off.'}</li>
        <li data-testid="pipeline-mask">
          {mask
            ? `Grammar mask: ${formatCount(mask.allowedCount)} tokens allowed, ${formatCount(mask.removed)} forbidden (set to −∞), which held ${(mask.removedMass * 100).toFixed(2)}% of the model’s probability. It comes before temperature and the filters, as in vLLM and WebLLM, so the filters choose among allowed tokens only.`
            : constraintBy === 'server'
              ? 'Grammar mask: enforced by the server (its structured-output option), not by this page; the distribution shown is the server’s report.'
              : 'No grammar mask (constraint: none).'}
        </li>
        <li>{greedy ? 'Temperature 0: greedy — the highest logit wins, no randomness.' : `Divided by temperature ${settings.temperature}.`}</li>
        <li>Softmax turns the logits into probabilities.</li>
        <li>{greedy ? 'Filters skipped (greedy).' : filters.length ? `Filters: ${filters.join('; ')}.` : 'No filter is on.'}</li>
        <li>Renormalised over the {formatCount(view.distribution.keptCount)} surviving tokens.</li>
        <li>
          {greedy
            ? 'No draw.'
            : `Random draw u = ${view.distribution.draw.u.toFixed(4)} (seed ${settings.seed}) fell in [${view.distribution.draw.cumulativeBefore.toFixed(4)}, ${view.distribution.draw.cumulativeAfter.toFixed(4)}), the ${view.distribution.draw.rank + 1}. most likely token.`}
        </li>
        <li>
          Chosen: <code data-testid="pipeline-chosen">"{escapeTokenText(chosen?.text ?? view.step.chosen.text)}"</code> (ID {view.distribution.chosenId}, {pct(view.distribution.chosenProb)}).
        </li>
      </ol>
      {!greedy && (
        <CumulativeDraw
          segments={[
            ...kept.map((c) => ({ id: c.id, label: escapeTokenText(c.text), prob: c.prob })),
            // the kept tokens beyond the listed candidates, as one segment, so the bar spans [0, 1]
            ...(view.distribution.keptCount > kept.length
              ? [{ id: -1, label: `${formatCount(view.distribution.keptCount - kept.length)} other tokens`, prob: Math.max(0, 1 - kept.reduce((a, c) => a + c.prob, 0)) }]
              : []),
          ]}
          u={view.distribution.draw.u}
        />
      )}
      <table className="pipeline-table">
        <caption className="sr-only">The top candidates at each stage</caption>
        <thead>
          <tr>
            <th scope="col">Token</th>
            <th scope="col">ID</th>
            <th scope="col">Raw logit</th>
            <th scope="col">After penalty ÷ T</th>
            <th scope="col">Softmax</th>
            <th scope="col">Filter</th>
            <th scope="col">Final</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c, rank) => (
            <tr key={rank} className={c.id === view.distribution.chosenId ? 'chosen-row' : c.removedBy ? 'removed-row' : ''}>
              <td>
                <code>"{escapeTokenText(c.text)}"</code>
              </td>
              <td className="num">{c.id}</td>
              <td className="num">{c.logit.toFixed(3)}</td>
              <td className="num">{c.scaledLogit.toFixed(3)}</td>
              <td className="num">{pct(c.probBeforeFilters)}</td>
              <td>{c.removedBy ? `removed (${c.removedBy})` : 'kept'}</td>
              <td className="num">{pct(c.prob)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
