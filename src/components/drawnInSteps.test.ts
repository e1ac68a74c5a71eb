import { describe, expect, it } from 'vitest';
import { partStarts } from './drawnInSteps';

describe('drawing a long list in parts', () => {
  it('a short list is one part', () => {
    expect(partStarts(0, 100)).toEqual([0]);
    expect(partStarts(100, 100)).toEqual([0]);
  });

  it('a part ends at the first line end after its size, so its block breaks where the text does', () => {
    const lineEnds = new Set([50, 130, 260]);
    expect(partStarts(300, 100, (i) => lineEnds.has(i))).toEqual([0, 131, 261]);
  });

  it('a text without line ends is cut at twice the size', () => {
    expect(partStarts(1000, 100, () => false)).toEqual([0, 200, 400, 600, 800]);
  });

  it('every item is in exactly one part, in order', () => {
    const starts = partStarts(12_345, 1000, (i) => i % 7 === 0);
    for (let k = 1; k < starts.length; k++) {
      expect(starts[k]).toBeGreaterThan(starts[k - 1]);
      expect(starts[k] - starts[k - 1]).toBeLessThanOrEqual(2000);
    }
    expect(starts[starts.length - 1]).toBeLessThan(12_345);
  });
});
