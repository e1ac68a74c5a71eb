import type { DivergenceNode } from './types';

/**
 * Turn N generated sequences into a prefix tree (radix tree) for the determinism panel. The root holds the tokens
 * every run shares (possibly none); each child starts where a subset of runs chose a different token. Children are
 * ordered by their first run index, so the layout is stable. A run that ends where others continue simply stops at
 * its node (it is listed in the node's `runs` but in none of its children).
 */
export function divergenceTree(sequences: ReadonlyArray<ArrayLike<number>>): DivergenceNode {
  const all = sequences.map((_, i) => i);
  return grow(sequences, all, 0);
}

function grow(sequences: ReadonlyArray<ArrayLike<number>>, runs: number[], startStep: number): DivergenceNode {
  const node: DivergenceNode = { startStep, tokenIds: [], runs, children: [] };
  let step = startStep;
  for (;;) {
    // Group the runs that still have a token at `step` by that token.
    const groups = new Map<number, number[]>();
    let ended = 0;
    for (const r of runs) {
      const seq = sequences[r];
      if (step >= seq.length) {
        ended++;
        continue;
      }
      const id = seq[step];
      const group = groups.get(id);
      if (group) group.push(r);
      else groups.set(id, [r]);
    }
    if (groups.size === 0) return node;
    if (groups.size === 1 && ended === 0) {
      node.tokenIds.push(groups.keys().next().value as number);
      step++;
      continue;
    }
    node.children = [...groups.values()].map((group) => grow(sequences, group, step));
    return node;
  }
}
