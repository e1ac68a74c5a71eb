import { describe, expect, it } from 'vitest';
import { divergenceTree } from './divergence';

describe('divergence tree', () => {
  it('is a single node when every run produced the same tokens', () => {
    const tree = divergenceTree([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    expect(tree).toEqual({ startStep: 0, tokenIds: [1, 2, 3], runs: [0, 1, 2], children: [] });
  });

  it('splits where runs choose different tokens, keeping the shared prefix once', () => {
    const tree = divergenceTree([[1, 2, 3, 4], [1, 2, 5, 6], [1, 2, 3, 7], [9]]);
    expect(tree.tokenIds).toEqual([]);
    expect(tree.children.map((c) => c.runs)).toEqual([[0, 1, 2], [3]]);
    const shared = tree.children[0];
    expect(shared).toMatchObject({ startStep: 0, tokenIds: [1, 2] });
    expect(shared.children.map((c) => [c.startStep, c.tokenIds, c.runs])).toEqual([
      [2, [3], [0, 2]],
      [2, [5, 6], [1]],
    ]);
    expect(shared.children[0].children.map((c) => [c.startStep, c.tokenIds, c.runs])).toEqual([
      [3, [4], [0]],
      [3, [7], [2]],
    ]);
  });

  it('ends a run that stopped early at the node where the others go on', () => {
    const tree = divergenceTree([[1, 2], [1, 2, 3]]);
    expect(tree.tokenIds).toEqual([1, 2]);
    expect(tree.runs).toEqual([0, 1]);
    expect(tree.children).toEqual([{ startStep: 2, tokenIds: [3], runs: [1], children: [] }]);
  });

  it('accepts no runs at all', () => {
    expect(divergenceTree([])).toEqual({ startStep: 0, tokenIds: [], runs: [], children: [] });
  });
});
