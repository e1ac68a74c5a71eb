import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttledWhile } from './streamingPanels';

/** A minimal store: a state and its listeners. */
function fakeStore<S>(initial: S) {
  let state = initial;
  const listeners = new Set<(s: S) => void>();
  return {
    set(next: S) {
      state = next;
      for (const l of listeners) l(state);
    },
    subscribe(l: (s: S) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    get listenerCount() {
      return listeners.size;
    },
    get state() {
      return state;
    },
  };
}

describe('throttledWhile: step panels while a run streams', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const now = () => Date.now();

  it('passes every change through at once when nothing streams', () => {
    const store = fakeStore({ streaming: false, step: 0 });
    const notify = vi.fn();
    throttledWhile(store.subscribe, (s) => s.streaming, notify, 100, now);
    for (let i = 1; i <= 5; i++) store.set({ streaming: false, step: i });
    expect(notify).toHaveBeenCalledTimes(5);
  });

  it('while streaming, notifies at most once per interval, and the last change is never lost', () => {
    const store = fakeStore({ streaming: true, step: 0 });
    const seen: number[] = [];
    throttledWhile(store.subscribe, (s) => s.streaming, () => seen.push(store.state.step), 100, now);
    // 60 steps, one every 5 ms (a 200 tokens/s model): 300 ms of streaming
    for (let i = 1; i <= 60; i++) {
      store.set({ streaming: true, step: i });
      vi.advanceTimersByTime(5);
    }
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
    // the run ends: the panels show its final state at once, without waiting for the interval
    store.set({ streaming: false, step: 60 });
    expect(seen[seen.length - 1]).toBe(60);
    const count = seen.length;
    vi.advanceTimersByTime(1000);
    expect(seen.length).toBe(count); // the pending timer was cancelled
  });

  it('a change while streaming after a quiet spell shows within the interval', () => {
    const store = fakeStore({ streaming: true, step: 0 });
    const notify = vi.fn();
    throttledWhile(store.subscribe, (s) => s.streaming, notify, 100, now);
    store.set({ streaming: true, step: 1 });
    expect(notify).not.toHaveBeenCalled();
    vi.advanceTimersByTime(0);
    expect(notify).toHaveBeenCalledTimes(1); // the first change of a run is not held back
    store.set({ streaming: true, step: 2 });
    vi.advanceTimersByTime(99);
    expect(notify).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(notify).toHaveBeenCalledTimes(2);
  });

  it('unsubscribes and drops a pending notification', () => {
    const store = fakeStore({ streaming: true, step: 0 });
    const notify = vi.fn();
    const stop = throttledWhile(store.subscribe, (s) => s.streaming, notify, 100, now);
    store.set({ streaming: true, step: 1 });
    vi.advanceTimersByTime(0);
    store.set({ streaming: true, step: 2 });
    stop();
    vi.advanceTimersByTime(500);
    expect(notify).toHaveBeenCalledTimes(1);
    expect(store.listenerCount).toBe(0);
  });
});
