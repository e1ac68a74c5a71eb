import { describe, expect, it } from 'vitest';
import { DistributionStore } from './distributionStore';
import type { StepDistribution } from './types';

const dist = (chosenId: number) => ({ chosenId }) as unknown as StepDistribution;

describe('DistributionStore', () => {
  it('gives back the very distribution a step was generated with', () => {
    const store = new DistributionStore();
    const d = dist(7);
    store.put('b0', 3, d);
    expect(store.get('b0', 3)).toBe(d);
    expect(store.get('b0', 4)).toBeNull();
    expect(store.get('b1', 3)).toBeNull();
  });

  it('keeps at most maxSteps steps, dropping the oldest first', () => {
    const store = new DistributionStore(3);
    for (let i = 0; i < 5; i++) store.put('b', i, dist(i));
    expect(store.size).toBe(3);
    expect(store.get('b', 0)).toBeNull();
    expect(store.get('b', 1)).toBeNull();
    expect(store.get('b', 4)?.chosenId).toBe(4);
  });

  it('a step stored again replaces the old entry and counts as new', () => {
    const store = new DistributionStore(2);
    store.put('b', 0, dist(0));
    store.put('b', 1, dist(1));
    store.put('b', 0, dist(10));
    store.put('b', 2, dist(2));
    expect(store.get('b', 1)).toBeNull();
    expect(store.get('b', 0)?.chosenId).toBe(10);
  });
});
