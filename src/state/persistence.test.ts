import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { defined, field, persisted, storedStateResets } from './persistence';
import { latestWins } from './latestWins';

interface Choices {
  text: string;
  count: number;
}

const memory = new Map<string, string>();
beforeEach(() => {
  memory.clear();
  vi.stubGlobal('localStorage', {
    getItem: (k: string) => memory.get(k) ?? null,
    setItem: (k: string, v: string) => void memory.set(k, v),
  });
});
afterEach(() => vi.unstubAllGlobals());

const options = {
  key: 'test.choices',
  version: 2,
  migrate: (stored: Record<string, unknown>, version: number): Partial<Choices> =>
    defined({ text: field.string(version === 1 ? stored.oldText : stored.text), count: field.number(stored.count, 0, 10, true) }),
};

describe('persisted store state', () => {
  it('round-trips what the user chose, with its version', () => {
    const store = createStore<Choices>()(() => ({ text: 'a', count: 1, ...persisted(options).initial }));
    persisted(options).connect(store, (s) => ({ text: s.text, count: s.count }));
    store.setState({ text: 'hello', count: 3 });
    expect(JSON.parse(memory.get('test.choices')!)).toEqual({ version: 2, state: { text: 'hello', count: 3 } });
    expect(persisted(options).initial).toEqual({ text: 'hello', count: 3 });
  });

  it('migrates a value stored before versions were (version 1)', () => {
    memory.set('test.choices', JSON.stringify({ oldText: 'kept', count: 2 }));
    expect(persisted(options).initial).toEqual({ text: 'kept', count: 2 });
  });

  it('keeps the valid fields of a tampered value and drops the others', () => {
    memory.set('test.choices', JSON.stringify({ version: 2, state: { text: 'ok', count: -10 } }));
    expect(persisted(options).initial).toEqual({ text: 'ok' });
    memory.set('test.choices', '{not json');
    expect(persisted(options).initial).toEqual({});
    memory.set('test.choices', JSON.stringify({ version: 3, state: { text: 'from a newer app' } }));
    expect(persisted(options).initial).toEqual({});
  });

  it('reports a storage that refuses the write, and the app keeps going', () => {
    vi.stubGlobal('localStorage', {
      getItem: () => null,
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
    });
    const store = createStore<Choices>()(() => ({ text: 'a', count: 1 }));
    const reports: boolean[] = [];
    persisted(options).connect(store, (s) => s, (ok) => reports.push(ok));
    store.setState({ text: 'b' });
    expect(reports).toEqual([false]);
  });

  it('waits for a pause before writing when asked to, and writes only the last state', () => {
    vi.useFakeTimers();
    const store = createStore<Choices>()(() => ({ text: 'a', count: 1 }));
    persisted({ ...options, delay: () => 250 }).connect(store, (s) => s);
    store.setState({ text: 'ab' });
    store.setState({ text: 'abc' });
    expect(memory.has('test.choices')).toBe(false);
    vi.advanceTimersByTime(250);
    expect(JSON.parse(memory.get('test.choices')!).state.text).toBe('abc');
    vi.useRealTimers();
  });
});

describe('latest request wins', () => {
  it('keeps one request in flight and sends the newest state once it ends', async () => {
    let value = 0;
    const sent: number[] = [];
    const finishers: (() => void)[] = [];
    const latest = latestWins(
      () =>
        new Promise<void>((resolve) => {
          sent.push(value);
          finishers.push(resolve);
        }),
    );
    latest.request();
    for (value = 1; value <= 5; value++) latest.request();
    expect(sent).toEqual([0]);
    finishers.shift()!();
    await vi.waitFor(() => expect(sent).toEqual([0, 6]));
    finishers.shift()!();
    await Promise.resolve();
    expect(sent).toEqual([0, 6]);
  });
});

describe('stored state that does not validate is said, not hidden', () => {
  const nested = {
    key: 'test.nested',
    version: 1,
    migrate: (stored: Record<string, unknown>) =>
      defined({
        name: field.string(stored.name),
        settings: typeof stored.settings === 'object' && stored.settings ? { temperature: 0.7, ...defined({ temperature: field.number((stored.settings as Record<string, unknown>).temperature, 0) }) } : undefined,
        steps: field.number(stored.steps, 1),
      }),
  };
  const resetOf = (key: string) => storedStateResets().filter((r) => r.key === key).at(-1)?.fields;

  it('names each field that fell back to its default, nested ones by their path', () => {
    memory.set('test.nested', JSON.stringify({ version: 1, state: { name: 'kept', settings: { temperature: 'abc' }, steps: -10 } }));
    expect(persisted(nested).initial).toEqual({ name: 'kept', settings: { temperature: 0.7 } });
    expect(resetOf('test.nested')).toEqual(['settings.temperature', 'steps']);
  });

  it('says nothing when everything stored was read back (a reader may add defaults)', () => {
    memory.set('test.clean', JSON.stringify({ version: 1, state: { name: 'kept', settings: {}, steps: 3 } }));
    persisted({ ...nested, key: 'test.clean' });
    expect(resetOf('test.clean')).toBeUndefined();
  });

  it('says so when the stored value is not JSON at all', () => {
    memory.set('test.broken', '{"version": 1, "sta');
    expect(persisted({ ...nested, key: 'test.broken' }).initial).toEqual({});
    expect(resetOf('test.broken')).toEqual(['(the whole value: not valid JSON)']);
  });
});
