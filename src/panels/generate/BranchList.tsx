import { useGenerateStore, generateActions } from '../../state/generateStore';

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
      {visible.map((id, i) => {
        const r = runs[id];
        const text = r.steps.map((s) => s.chosen.text).join('').slice(0, 40);
        return (
          <button key={id} type="button" data-testid="branch" aria-pressed={id === activeRunId} onClick={() => generateActions.selectRun(id)}>
            {i + 1}. {r.label}: “{text}…”
          </button>
        );
      })}
    </nav>
  );
}
