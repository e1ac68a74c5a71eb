import { describe, expect, it } from 'vitest';
import { MAX_KEPT_RUNS, runsToDrop, type RunView } from './generateReducer';

function run(i: number, parent: number | null = null, status: RunView['status'] = 'done'): RunView {
  return {
    runId: `r${i}`,
    branchId: `b${i}`,
    prompt: { ids: [], texts: [] },
    parent: parent === null ? null : { branchId: `b${parent}`, stepIndex: 1 },
    steps: [],
    summary: null,
    status,
    useKvCache: true,
    label: `run ${i}`,
  };
}

describe('kept runs', () => {
  it('drop the oldest finished runs beyond the limit, but never the active one, a running one, or a kept branch’s parent', () => {
    const total = MAX_KEPT_RUNS + 5;
    const runs: Record<string, RunView> = {};
    const order: string[] = [];
    for (let i = 0; i < total; i++) {
      const r = run(i, i === total - 1 ? 0 : null, i === 2 ? 'running' : 'done');
      runs[r.runId] = r;
      order.push(r.runId);
    }
    const drop = runsToDrop(runs, order, new Set(['r1']));
    expect(drop.size).toBe(5);
    expect(drop.has('r0')).toBe(false); // parent of the newest branch
    expect(drop.has('r1')).toBe(false); // active
    expect(drop.has('r2')).toBe(false); // still running
    expect([...drop]).toEqual(['r3', 'r4', 'r5', 'r6', 'r7']);
  });

  it('drop nothing under the limit', () => {
    const runs: Record<string, RunView> = { r0: run(0), r1: run(1) };
    expect(runsToDrop(runs, ['r0', 'r1'], new Set()).size).toBe(0);
  });
});
