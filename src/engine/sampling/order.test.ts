import { describe, expect, it } from 'vitest';
import { DescendingOrder } from './order';
import { randomLogits } from './testUtils';

const fullOrder = (values: Float32Array) =>
  Array.from(values.keys()).sort((a, b) => values[b] - values[a] || a - b);

describe('lazily sorted order', () => {
  it('gives the same prefix as a full sort, for every prefix length', () => {
    const values = randomLogits(3000, 1);
    const expected = fullOrder(values);
    for (const m of [1, 10, 64, 65, 500, 2999, 3000]) {
      const order = new DescendingOrder(values);
      order.ensure(m);
      expect(Array.from(order.prefix().slice(0, m))).toEqual(expected.slice(0, m));
    }
  });

  it('orders ties by lower id, and handles infinities and negative zero', () => {
    const values = new Float32Array([1, -Infinity, 3, 1, Infinity, -0, 0, -5, 3, -Infinity]);
    const order = new DescendingOrder(values);
    order.ensure(values.length);
    expect(Array.from(order.prefix())).toEqual([4, 2, 8, 0, 3, 5, 6, 7, 1, 9]);
    const partial = new DescendingOrder(values);
    partial.ensure(3);
    expect(Array.from(partial.prefix().slice(0, 3))).toEqual([4, 2, 8]);
  });

  it('selects the head exactly among many ties (the heap keeps the lower ids)', () => {
    const values = Float32Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5);
    const expected = fullOrder(values);
    for (const m of [1, 64, 200]) {
      const order = new DescendingOrder(values);
      order.ensure(m);
      expect(Array.from(order.prefix().slice(0, m))).toEqual(expected.slice(0, m));
    }
  });
});
