/** The Inside panel wired to each lab: the context of the Generate lab's selected step, or of the Analyse lab's selected token. */
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { selectedStepView, sequenceSteps } from '../../state/generateStore';
import { useStepPanelState } from '../../state/streamingPanels';
import { useAnalyseStore } from '../../state/analyseStore';
import { textsIn } from '../../engine/analyse/tokenTexts';
import { InsidePanel } from './InsidePanel';

/** The selected step: the prompt and the tokens chosen before it (what the model saw when it predicted the step). */
export function GenerateInside() {
  // one subscription (one redraw timer while streaming) for the three fields the context is made of
  const { view, runs, activeRunId } = useStepPanelState(useShallow((s) => ({ view: selectedStepView(s), runs: s.runs, activeRunId: s.activeRunId })));
  const { ids, texts } = useMemo(() => {
    const run = activeRunId ? runs[activeRunId] : null;
    if (!view || !run) return { ids: null, texts: [] };
    const before = sequenceSteps({ runs }, activeRunId).slice(0, view.stepIndex);
    return { ids: [...run.prompt.ids, ...before.map((s) => s.chosen.id)], texts: [...run.prompt.texts, ...before.map((s) => s.chosen.text)] };
  }, [view, runs, activeRunId]);
  return <InsidePanel lab="generate" ids={ids} texts={texts} what={view ? `step ${view.stepIndex + 1}` : ''} />;
}

/** The selected token: the tokens its prediction saw (the BOS included where the analysis put one first). */
export function AnalyseInside() {
  const result = useAnalyseStore((s) => s.result);
  const selected = useAnalyseStore((s) => s.selected);
  const { ids, texts } = useMemo(() => {
    if (!result || selected === null || selected >= result.ids.length || result.partial) return { ids: null, texts: [] };
    const prefix = result.plan.prefixIds;
    const seen = result.contextTokens[selected] - prefix.length;
    if (result.contextTokens[selected] <= 0 || seen < 0) return { ids: null, texts: [] };
    const from = selected - seen;
    return {
      ids: [...prefix, ...Array.from(result.ids.subarray(from, selected))],
      texts: [...prefix.map(() => '<bos>'), ...textsIn(result.texts, from, selected)],
    };
  }, [result, selected]);
  return <InsidePanel lab="analyse" ids={ids} texts={texts} what={selected !== null ? `token ${selected + 1}` : ''} />;
}
