import { describe, expect, it } from 'vitest';
import { contentOf, spliceable, spliceInPlace } from './tokenSplice';
import { Mulberry32 } from './sampling/rng';

describe('spliceInPlace', () => {
  it('equals splicing a plain array, growing and shrinking, with the tail shifted and the insert offset', () => {
    const rng = new Mulberry32(11);
    const int = (n: number) => Math.floor(rng.next() * n);
    let plain = Array.from({ length: 50 }, () => 1000 + int(1000));
    const s = spliceable(Uint32Array.from(plain));
    const buffers = new Set<ArrayBufferLike>([s.data.buffer]);
    for (let step = 0; step < 400; step++) {
      const at = int(plain.length + 1);
      const removed = int(Math.min(6, plain.length - at + 1));
      // more growth than shrinkage on average: the buffer must move to larger ones along the way
      const insert = Uint32Array.from({ length: int(9) }, () => 1000 + int(1000));
      const insertAdd = int(3);
      const shift = int(5) - 2;
      spliceInPlace(s, at, removed, insert, insertAdd, shift);
      plain = [...plain.slice(0, at), ...Array.from(insert, (x) => x + insertAdd), ...plain.slice(at + removed).map((x) => x + shift)];
      expect([...contentOf(s)]).toEqual(plain);
      buffers.add(s.data.buffer);
    }
    // it grew into new buffers a few times, and otherwise worked in place
    expect(buffers.size).toBeGreaterThan(1);
    expect(buffers.size).toBeLessThan(20);
  });

  it('works in place when the content fits, so the views it handed out before see the change', () => {
    const s = spliceable(Uint8Array.from([1, 2, 3, 4, 5]));
    const before = s.data;
    spliceInPlace(s, 1, 2, Uint8Array.from([9]));
    expect(s.data).toBe(before);
    expect([...contentOf(s)]).toEqual([1, 9, 4, 5]);
  });
});
