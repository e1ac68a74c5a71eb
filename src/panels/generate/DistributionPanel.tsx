import { useGenerateStore, selectedStepView, generateActions, isGenerating, branchingUnavailable } from '../../state/generateStore';
import { useStepPanelState } from '../../state/streamingPanels';
import { formatCount } from '../../state/formatCount';
import { DistributionBars, type DistributionBar } from '../../charts/DistributionBars';
import { escapeTokenText } from '../tokenizer/tokenDisplay';
import type { CandidateSnapshot, StepMask } from '../../engine/generation/types';

const SHOWN_CANDIDATES = 20;

const SOURCE_TEXT = {
  current: 'Under the settings shown now (re-sampled from the kept logits, no model call).',
  updating: 'Re-sampling with the settings shown now…',
  generation: 'As generated.',
} as const;

const percent = (p: number) => `${(p * 100).toFixed(p < 0.001 ? 3 : 1)} %`;
const quoted = (text: string) => `‘${escapeTokenText(text)}’`;

/** What the grammar did at this step: the mass it removed, the token the model wanted, what it allowed instead. */
function ConstraintMaskNote({ mask, candidates }: { mask: StepMask; candidates: CandidateSnapshot[] }) {
  const wanted = candidates.reduce<CandidateSnapshot | null>((best, c) => (!best || c.rawProb > best.rawProb ? c : best), null);
  const allowed = candidates.filter((c) => c.removedBy !== 'grammar');
  const allowedText =
    mask.allowedCount <= 4 && allowed.length === mask.allowedCount
      ? `the grammar allows only ${allowed.map((c) => quoted(c.text)).join(mask.allowedCount === 2 ? ' and ' : ', ')}`
      : `the grammar allows ${formatCount(mask.allowedCount)} tokens`;
  const wantedText = wanted ? `The model wanted ${quoted(wanted.text)} at ${percent(wanted.rawProb)}; ` : '';
  return (
    <p className="notice" data-testid="constraint-note">
      {wantedText}
      {allowedText}. The constraint removed{' '}
      <strong data-testid="constraint-removed" data-removed={mask.removedMass}>
        {mask.removedMass.toFixed(5)}
      </strong>{' '}
      of the model’s probability ({formatCount(mask.removed)} tokens forbidden, struck through below with the reason “grammar”).
    </p>
  );
}

/** The selected step's top candidates under the current settings; any candidate can be picked instead. */
export function DistributionPanel() {
  const view = useStepPanelState(selectedStepView);
  const generating = useGenerateStore(isGenerating);
  const server = useGenerateStore((s) => s.model.info?.server ?? null);
  const noBranching = useGenerateStore(branchingUnavailable);
  if (!view) {
    return (
      <section className="card" aria-labelledby="dist-heading">
        <h2 id="dist-heading">Next-token distribution</h2>
        <p className="muted">Generate to see, at every step, the probabilities of the candidate tokens.</p>
      </section>
    );
  }
  const d = view.distribution;
  if (!d) {
    return (
      <section className="card" aria-labelledby="dist-heading">
        <h2 id="dist-heading">
          Next-token distribution at step {view.stepIndex + 1} ({view.step.phase})
        </h2>
        <p className="muted" role="status" data-testid="dist-source" data-source={view.source}>
          {view.source === 'fetching'
            ? 'Fetching this step’s distribution from the engine…'
            : 'The engine no longer has this step’s distribution (it keeps the latest 4,096 steps generated with the loaded model): generate again to see it.'}
        </p>
      </section>
    );
  }
  // a partial distribution (a server's top N): each known token's share of the whole distribution, so the bars and
  // "all other tokens" add up to 1 (at T = 1 without filters these are exactly the server's probabilities)
  const known = d.vocabulary === 'partial' ? 1 - d.otherMass : 1;
  // every known token of a partial distribution is listed, so that the bars and "all other tokens" add up to 1
  const shown = d.vocabulary === 'partial' ? d.candidates : d.candidates.slice(0, SHOWN_CANDIDATES);
  const bars: DistributionBar[] = shown.map((c) => ({
    id: c.id,
    // a server's own numbering of its tokens is not the model's: only real model ids are shown
    tokenId: server ? c.modelTokenId : c.id,
    text: c.text,
    label: escapeTokenText(c.text),
    prob: c.prob * known,
    probBeforeFilters: c.probBeforeFilters * known,
    removedBy: c.removedBy,
    allowed: c.removedBy !== 'grammar',
    rawProb: c.rawProb * known,
    chosen: c.id === d.chosenId,
  }));
  const cutoffs: { label: string; prob: number }[] = [];
  if (d.cutoffs.topP) cutoffs.push({ label: `top-p ${d.cutoffs.topP.p}`, prob: d.cutoffs.topP.lastKeptProb });
  if (d.cutoffs.minP) cutoffs.push({ label: `min-p ${d.cutoffs.minP.minP}`, prob: d.cutoffs.minP.threshold });
  if (d.cutoffs.topK) cutoffs.push({ label: `top-k ${d.cutoffs.topK.k}`, prob: d.cutoffs.topK.kthProb });
  return (
    <section className="card" aria-labelledby="dist-heading">
      <h2 id="dist-heading">
        Next-token distribution at step {view.stepIndex + 1} ({view.step.phase})
      </h2>
      <p className="muted" data-testid="dist-source" data-source={view.source}>
        {SOURCE_TEXT[view.source as keyof typeof SOURCE_TEXT]} Entropy{' '}
        {d.entropyBits.toFixed(2)} bits; {formatCount(d.keptCount)} tokens survive the filters. Grey bars: probability before the filters.
      </p>
      {d.mask && <ConstraintMaskNote mask={d.mask} candidates={d.candidates} />}
      {d.vocabulary === 'partial' && (
        <p className="notice" data-testid="dist-partial">
          Approximate: {d.candidates.length} of the model’s tokens known (the top {d.candidates.length} the server returned); the sliders re-sample over
          these, renormalised. {server?.distributionNote}
        </p>
      )}
      <DistributionBars
        bars={bars}
        other={d.vocabulary === 'partial' ? d.otherMass : null}
        cutoffs={cutoffs}
        onPick={generating || noBranching ? undefined : (id) => generateActions.branch(view.stepIndex, id)}
        pickLabel="Pick"
      />
      {noBranching && <p className="muted">{noBranching}</p>}
    </section>
  );
}
