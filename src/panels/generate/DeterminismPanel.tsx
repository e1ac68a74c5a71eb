import { useId } from 'react';
import type { DivergenceNode } from '../../engine/protocol';
import { useGenerateStore, generateActions, isGenerating } from '../../state/generateStore';

function NodeView({ node, tokenTexts }: { node: DivergenceNode; tokenTexts: Record<number, string> }) {
  const text = node.tokenIds.map((id) => tokenTexts[id] ?? `[${id}]`).join('');
  return (
    <li>
      <span className="tree-text">{text || '∅'}</span> <span className="muted">(runs {node.runs.map((r) => r + 1).join(', ')})</span>
      {node.children.length > 0 && (
        <ul>
          {node.children.map((c, i) => (
            <NodeView key={i} node={c} tokenTexts={tokenTexts} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** Run the same prompt N times: where do the outputs diverge? At temperature 0 they never do. */
export function DeterminismPanel() {
  const runCount = useGenerateStore((s) => s.runCount);
  const runMany = useGenerateStore((s) => s.runMany);
  const ready = useGenerateStore((s) => s.model.info !== null);
  const generating = useGenerateStore(isGenerating);
  const id = useId();
  const identical = runMany?.tree && runMany.tree.children.length === 0;
  return (
    <section className="card" aria-labelledby="det-heading">
      <h2 id="det-heading">Determinism</h2>
      <div className="controls">
        <label htmlFor={id}>Runs</label>
        <input id={id} type="number" min={2} max={20} value={runCount} data-testid="run-count" onChange={(e) => generateActions.setRunCount(Math.max(2, Math.min(20, Number(e.target.value) || 2)))} />
        <button type="button" data-testid="run-many" onClick={() => generateActions.runManyTimes()} disabled={!ready || generating}>
          Run {runCount} times
        </button>
        {runMany?.status === 'running' && (
          <span>
            <progress value={runMany.done} max={runMany.runs} aria-label="Runs finished" /> {runMany.done} / {runMany.runs}
          </span>
        )}
      </div>
      <p className="explain">
        Each run draws its random numbers from its own stream of the seed, as separate requests to a model would. At temperature 0 the choice is the argmax every time, so all runs coincide.
      </p>
      {runMany?.tree && (
        <div data-testid="divergence-tree" data-branches={runMany.tree.children.length} data-identical={identical ? 'true' : 'false'}>
          <p>{identical ? `All ${runMany.runs} runs produced the same tokens.` : 'The runs share a prefix, then diverge:'}</p>
          <ul className="tree">
            <NodeView node={runMany.tree} tokenTexts={runMany.tokenTexts} />
          </ul>
        </div>
      )}
    </section>
  );
}
