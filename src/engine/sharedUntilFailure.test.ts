import { describe, expect, it } from 'vitest';
import { sharedUntilFailure } from './sharedUntilFailure';

describe('sharedUntilFailure', () => {
  it('shares one load between callers, pending and resolved', async () => {
    const cache = new Map<string, Promise<number>>();
    let loads = 0;
    const load = () => sharedUntilFailure(cache, 'a', async () => ++loads);
    const [x, y] = await Promise.all([load(), load()]);
    expect([x, y, await load(), loads]).toEqual([1, 1, 1, 1]);
  });

  it('forgets a failed load, so the next call loads again', async () => {
    const cache = new Map<string, Promise<string>>();
    let attempt = 0;
    const load = () => sharedUntilFailure(cache, 'vocab', async () => (++attempt === 1 ? Promise.reject(new Error('offline')) : 'ok'));
    await expect(load()).rejects.toThrow('offline');
    expect(cache.has('vocab')).toBe(false);
    await expect(load()).resolves.toBe('ok');
    expect(attempt).toBe(2);
  });

  it('a stale failure does not remove the load that replaced it', async () => {
    const cache = new Map<string, Promise<string>>();
    let fail!: (e: Error) => void;
    const first = sharedUntilFailure(cache, 'k', () => new Promise<string>((_, reject) => (fail = reject)));
    cache.delete('k'); // evicted (e.g. by an LRU) while still pending
    const second = sharedUntilFailure(cache, 'k', async () => 'fresh');
    fail(new Error('late'));
    await expect(first).rejects.toThrow('late');
    expect(cache.get('k')).toBe(second);
  });
});
