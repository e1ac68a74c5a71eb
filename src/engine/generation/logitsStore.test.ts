import { describe, expect, it } from 'vitest';
import { LogitsStore } from './logitsStore';

const logits = (n: number) => ({ logits: new Float32Array(n), stream: 0, vocabulary: 'full' as const, otherMass: 0 });

describe('logits store', () => {
  it('keeps at most maxSteps steps, dropping the oldest first', () => {
    const store = new LogitsStore(3, 1e9);
    for (let step = 0; step < 10; step++) store.put('b0', step, logits(8));
    expect(store.size).toBe(3);
    expect(store.get('b0', 6)).toBeUndefined();
    expect(store.get('b0', 7)).toBeDefined();
    expect(store.get('b0', 9)).toBeDefined();
  });

  it('keeps at most maxBytes of logits', () => {
    const store = new LogitsStore(512, 4 * 1000 * 5);
    for (let step = 0; step < 1000; step++) store.put('b0', step, logits(1000));
    expect(store.size).toBe(5);
    expect(store.storedBytes).toBe(4 * 1000 * 5);
  });

  it('replaces a step stored twice without counting it twice', () => {
    const store = new LogitsStore(4, 1e9);
    store.put('b0', 1, logits(10));
    store.put('b0', 1, logits(10));
    store.put('b1', 1, logits(10));
    expect(store.size).toBe(2);
    expect(store.storedBytes).toBe(80);
  });
});
