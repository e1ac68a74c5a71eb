import { useGenerateStore, selectedStepView } from '../../state/generateStore';
import { useStepPanelState } from '../../state/streamingPanels';
import { formatCount } from '../../state/formatCount';
import { CumulativeDraw } from '../../charts/CumulativeDraw';
import { escapeTokenText } from '../tokenizer/tokenDisplay';

const ROWS = 10;

function pct(p: number): string {
  return `${(p * 100).toFixed(2)}%`;
}

/** Every stage of the selected step's decision: logits → ÷T → softmax → filters → renormalised → draw → token. */
export function SamplingPipelinePanel() {
  const view = useStepPanelState(selectedStepView);
  const settings = useGenerateStore((s) => s.settings);
  const constraintBy = useGenerateStore((s) => (s.constraintStatus.state === 'ready' ? s.constraintStatus.info.enforcedBy : null));
  const d = view?.distribution;
  if (!view || !d) return null;
  const rows = d.candidates.slice(0, ROWS);
  const kept = d.candidates.filter((c) => c.prob > 0);
  const chosen = d.candidates.find((c) => c.id === d.chosenId);
  const greedy = !(settings.temperature > 0);
  const mask = d.mask;
  const filters: string[] = [];
  if (d.cutoffs.topK) filters.push(`top-k ${d.cutoffs.topK.k} removed ${formatCount(d.cutoffs.topK.removed)}`);
  if (d.cutoffs.topP) filters.push(`top-p ${d.cutoffs.topP.p} removed ${formatCount(d.cutoffs.topP.removed)} (nucleus mass ${d.cutoffs.topP.cumulativeAtCut.toFixed(3)})`);
  if (d.cutoffs.minP) filters.push(`min-p ${d.cutoffs.minP.minP} removed ${formatCount(d.cutoffs.minP.removed)} (threshold ${d.cutoffs.minP.threshold.toExponential(2)})`);
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
        <li>Renormalised over the {formatCount(d.keptCount)} surviving tokens.</li>
        <li>
          {greedy
            ? 'No draw.'
            : `Random draw u = ${d.draw.u.toFixed(4)} (seed ${settings.seed}) fell in [${d.draw.cumulativeBefore.toFixed(4)}, ${d.draw.cumulativeAfter.toFixed(4)}), the ${d.draw.rank + 1}. most likely token.`}
        </li>
        <li>
          Chosen: <code data-testid="pipeline-chosen">"{escapeTokenText(chosen?.text ?? view.step.chosen.text)}"</code> (ID {d.chosenId}, {pct(d.chosenProb)}).
        </li>
      </ol>
      {!greedy && (
        <CumulativeDraw
          segments={[
            ...kept.map((c) => ({ id: c.id, label: escapeTokenText(c.text), prob: c.prob })),
            // the kept tokens beyond the listed candidates, as one segment, so the bar spans [0, 1]
            ...(d.keptCount > kept.length
              ? [{ id: -1, label: `${formatCount(d.keptCount - kept.length)} other tokens`, prob: Math.max(0, 1 - kept.reduce((a, c) => a + c.prob, 0)) }]
              : []),
          ]}
          u={d.draw.u}
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
            <tr key={rank} className={c.id === d.chosenId ? 'chosen-row' : c.removedBy ? 'removed-row' : ''}>
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
