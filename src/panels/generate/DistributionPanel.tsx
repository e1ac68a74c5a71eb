import { useGenerateStore, selectedStepView, generateActions, isGenerating } from '../../state/generateStore';
import { DistributionBars, type DistributionBar } from '../../charts/DistributionBars';
import { escapeTokenText } from '../tokenizer/tokenDisplay';

const SHOWN_CANDIDATES = 20;

const SOURCE_TEXT = {
  current: 'Under the settings shown now (re-sampled from the kept logits, no model call).',
  updating: 'Re-sampling with the settings shown now…',
  generation: 'As generated.',
} as const;

/** The selected step's top candidates under the current settings; any candidate can be picked instead. */
export function DistributionPanel() {
  const view = useGenerateStore(selectedStepView);
  const generating = useGenerateStore(isGenerating);
  if (!view) {
    return (
      <section className="card" aria-labelledby="dist-heading">
        <h2 id="dist-heading">Next-token distribution</h2>
        <p className="muted">Generate to see, at every step, the probabilities of the candidate tokens.</p>
      </section>
    );
  }
  const bars: DistributionBar[] = view.distribution.candidates.slice(0, SHOWN_CANDIDATES).map((c) => ({
    id: c.id,
    label: escapeTokenText(c.text),
    prob: c.prob,
    probBeforeFilters: c.probBeforeFilters,
    removedBy: c.removedBy,
    chosen: c.id === view.distribution.chosenId,
  }));
  const cutoffs: { label: string; prob: number }[] = [];
  if (view.distribution.cutoffs.topP) cutoffs.push({ label: `top-p ${view.distribution.cutoffs.topP.p}`, prob: view.distribution.cutoffs.topP.lastKeptProb });
  if (view.distribution.cutoffs.minP) cutoffs.push({ label: `min-p ${view.distribution.cutoffs.minP.minP}`, prob: view.distribution.cutoffs.minP.threshold });
  if (view.distribution.cutoffs.topK) cutoffs.push({ label: `top-k ${view.distribution.cutoffs.topK.k}`, prob: view.distribution.cutoffs.topK.kthProb });
  return (
    <section className="card" aria-labelledby="dist-heading">
      <h2 id="dist-heading">
        Next-token distribution at step {view.stepIndex + 1} ({view.step.phase})
      </h2>
      <p className="muted" data-testid="dist-source" data-source={view.source}>
        {SOURCE_TEXT[view.source]} Entropy{' '}
        {view.distribution.entropyBits.toFixed(2)} bits; {view.distribution.keptCount.toLocaleString('en-US')} tokens survive the filters. Grey bars: probability before the filters.
      </p>
      <DistributionBars bars={bars} cutoffs={cutoffs} onPick={generating ? undefined : (id) => generateActions.branch(view.stepIndex, id)} pickLabel="Pick" />
    </section>
  );
}
