import { memo } from 'react';
import { useGenerateStore, generateActions } from '../../state/generateStore';
import type { RunView } from '../../state/generateReducer';

/** One run: memoised, so a streaming run re-renders its own button only, not every run's text. */
const BranchButton = memo(function BranchButton({ run, index, active }: { run: RunView; index: number; active: boolean }) {
  const text = run.steps.map((s) => s.chosen.text).join('').slice(0, 40);
  return (
    <button type="button" data-testid="branch" aria-pressed={active} onClick={() => generateActions.selectRun(run.runId)}>
      {index + 1}. {run.label}: “{text}…”
    </button>
  );
});

/** Every run and branch stays available; pick one to look at it again. */
export function BranchList() {
  const runOrder = useGenerateStore((s) => s.runOrder);
  const runs = useGenerateStore((s) => s.runs);
  const activeRunId = useGenerateStore((s) => s.activeRunId);
  const kvOffRunId = useGenerateStore((s) => s.kvOffRunId);
  const visible = runOrder.filter((id) => id !== kvOffRunId);
  if (visible.length < 2) return null;
  return (
    <nav className="branches" aria-label="Runs and branches">
      <span className="muted">Branches:</span>
      {visible.map((id, i) => (
        <BranchButton key={id} run={runs[id]} index={i} active={id === activeRunId} />
      ))}
    </nav>
  );
}
