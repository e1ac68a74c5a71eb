/**
 * The promise cached under `key`, else `load()`'s, cached while it is pending and once it has resolved. A failed load
 * is forgotten (only while it is still the one cached), so the next call tries again: a network hiccup, a refused
 * file or a cancelled load must not stick for the rest of the session.
 */
export function sharedUntilFailure<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
  const cached = cache.get(key);
  if (cached) return cached;
  const pending = load();
  cache.set(key, pending);
  pending.catch(() => {
    if (cache.get(key) === pending) cache.delete(key);
  });
  return pending;
}
