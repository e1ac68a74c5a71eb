import { describe, expect, it } from 'vitest';
import { itemOffsets, itemsIn, shownItems } from './windowedList';

/** Which items overlap [top, bottom), by looking at every one: the reference for the binary search. */
function overlapping(offsets: Float64Array, top: number, bottom: number): { start: number; end: number } {
  const hit: number[] = [];
  for (let i = 0; i + 1 < offsets.length; i++) if (offsets[i + 1] > top && offsets[i] < bottom && bottom > top) hit.push(i);
  return hit.length ? { start: hit[0], end: hit[hit.length - 1] + 1 } : { start: 0, end: 0 };
}

describe('a windowed list', () => {
  it('each item starts where the one before ends, after the gap; the last offset is the whole height', () => {
    const offsets = itemOffsets(4, (i) => [100, 50, 200, 10][i], 8);
    expect([...offsets]).toEqual([0, 108, 166, 374, 392]);
    expect([...itemOffsets(0, () => 1, 8)]).toEqual([0]);
  });

  it('draws the items that overlap the viewport and its margins, for any scroll offset', () => {
    const heights = Array.from({ length: 500 }, (_, i) => 40 + ((i * 37) % 90));
    const offsets = itemOffsets(heights.length, (i) => heights[i], 8);
    const end = offsets[heights.length];
    for (let top = -2000; top < end + 2000; top += 97) {
      expect(itemsIn(offsets, top, top + 720)).toEqual(overlapping(offsets, top, top + 720));
    }
  });

  it('an item is drawn from the first pixel of it in view, and not once it has left', () => {
    const offsets = itemOffsets(10, () => 92, 8); // each slot 100 px
    expect(itemsIn(offsets, 0, 100)).toEqual({ start: 0, end: 1 });
    expect(itemsIn(offsets, 0, 101)).toEqual({ start: 0, end: 2 });
    expect(itemsIn(offsets, 99, 300)).toEqual({ start: 0, end: 3 });
    expect(itemsIn(offsets, 100, 300)).toEqual({ start: 1, end: 3 });
  });

  it('nothing is drawn near the viewport when the list is out of view, or empty', () => {
    const offsets = itemOffsets(10, () => 92, 8);
    expect(itemsIn(offsets, 1000, 1800)).toEqual({ start: 0, end: 0 });
    expect(itemsIn(offsets, -900, 0)).toEqual({ start: 0, end: 0 });
    expect(itemsIn(itemOffsets(0, () => 1, 8), 0, 800)).toEqual({ start: 0, end: 0 });
  });

  it('the first, the last and the focused item are drawn apart at their own offsets, in list order', () => {
    const offsets = itemOffsets(100, () => 92, 8);
    const shown = shownItems(offsets, 40, 43, [0, 99, 70, 41]);
    expect(shown.map((s) => s.index)).toEqual([0, 40, 41, 42, 70, 99]);
    expect(shown.filter((s) => s.placed).map((s) => [s.index, s.placed?.top])).toEqual([
      [0, 0],
      [70, 7000],
      [99, 9900],
    ]);
    // kept items inside the run stay in its flow; out-of-range ones are dropped
    expect(shownItems(offsets, 0, 3, [0, 2, 120, -1]).map((s) => [s.index, s.placed])).toEqual([
      [0, undefined],
      [1, undefined],
      [2, undefined],
    ]);
  });
});
