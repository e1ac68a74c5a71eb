/**
 * The one way a store keeps what the user chose across reloads.
 *
 * What is stored is `{ version, state }` under a fixed key (a key is user data: it is never renamed). On load,
 * whatever is there — this version, an older one, a hand-edited or truncated value — goes through the store's
 * `migrate`, which returns only the fields it could read and check; the others keep their defaults. Writes follow
 * every change (after `delay` ms, for large texts), never throw (a full or disabled storage only means the state is
 * not kept, and `onStored` says so), and are flushed when the page is hidden or closed.
 */
import type { StoreApi } from 'zustand';

export interface PersistOptions<T> {
  key: string;
  version: number;
  /** Reads a stored value of `version` (older versions: the number they were written with; a value written before
   * versions were stored counts as version 1) into the fields that are valid. Must not throw. */
  migrate(stored: Record<string, unknown>, version: number): Partial<T>;
  /** ms to wait after a change before writing (writing megabytes is a long task: wait for a pause in typing) */
  delay?(state: T): number;
}

export interface Persistence<T> {
  /** the valid fields found in storage at start-up */
  readonly initial: Partial<T>;
  /** Writes `pick(state)` after every change of it; `onStored(false)` when it could not be written. */
  connect<S>(store: StoreApi<S>, pick: (state: S) => T, onStored?: (stored: boolean) => void): void;
}

export function persisted<T extends object>(options: PersistOptions<T>): Persistence<T> {
  const { key, version } = options;
  const { initial, reset } = readVersioned(options);
  if (reset.length > 0) noteReset(key, reset);
  return {
    initial,
    connect(store, pick, onStored) {
      let pending: T | null = null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const flush = () => {
        clearTimeout(timer);
        if (!pending) return;
        const ok = writeStored(key, { version, state: pending });
        pending = null;
        onStored?.(ok);
      };
      let last = pick(store.getState());
      store.subscribe((state) => {
        const next = pick(state);
        if (shallowEqual(next, last)) return;
        last = next;
        pending = next;
        clearTimeout(timer);
        const delay = options.delay?.(next) ?? 0;
        if (delay > 0) timer = setTimeout(flush, delay);
        else flush();
      });
      if (typeof addEventListener === 'function') {
        addEventListener('pagehide', flush);
        addEventListener('visibilitychange', () => {
          if (typeof document !== 'undefined' && document.visibilityState === 'hidden') flush();
        });
      }
    },
  };
}

function readVersioned<T>({ key, version, migrate }: PersistOptions<T>): { initial: Partial<T>; reset: string[] } {
  const found = readStored<unknown>(key);
  if (found === UNREADABLE) return { initial: {}, reset: ['(the whole value: not valid JSON)'] };
  if (found === null) return { initial: {}, reset: [] };
  // a bare value (a string, a number: stored before versions were) arrives as { value }
  const raw = isRecord(found) ? found : { value: found };
  const wrapped = typeof raw.version === 'number' && isRecord(raw.state);
  const stored = wrapped ? (raw.state as Record<string, unknown>) : raw;
  const storedVersion = wrapped ? (raw.version as number) : 1;
  if (storedVersion > version) return { initial: {}, reset: [] }; // written by a newer app: read nothing rather than misread it
  try {
    const initial = migrate(stored, storedVersion);
    // an older version's fields may be renamed or reshaped by `migrate`: only this version's can be compared
    return { initial, reset: storedVersion === version ? resetFields(stored, initial as Record<string, unknown>) : [] };
  } catch {
    return { initial: {}, reset: Object.keys(stored) };
  }
}

/** The paths of `stored` that `read` lacks or holds with another value: what validation replaced by a default. */
function resetFields(stored: Record<string, unknown>, read: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(stored)) {
    if (v === undefined) continue;
    const path = `${prefix}${k}`;
    if (!(k in read)) out.push(path);
    else if (isRecord(v) && isRecord(read[k])) out.push(...resetFields(v, read[k], `${path}.`));
    else if (!readBack(v, read[k])) out.push(path);
  }
  return out;
}

/** Whether `read` holds everything `stored` held (a reader may add defaults, and key order does not matter). */
function readBack(stored: unknown, read: unknown): boolean {
  if (isRecord(stored)) return isRecord(read) && Object.entries(stored).every(([k, v]) => v === undefined || (k in read && readBack(v, read[k])));
  if (Array.isArray(stored)) return Array.isArray(read) && read.length === stored.length && stored.every((v, i) => readBack(v, read[i]));
  return Object.is(stored, read);
}

/** What was reset at start-up, per storage key, for the notice that says so (StoredStateNotice). */
export interface StoredReset {
  key: string;
  fields: string[];
}

const resets: StoredReset[] = [];

function noteReset(key: string, fields: string[]): void {
  resets.push({ key, fields });
}

export function storedStateResets(): readonly StoredReset[] {
  return resets;
}

function shallowEqual<T extends object>(a: T, b: T): boolean {
  const keys = Object.keys(a) as (keyof T)[];
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field readers for `migrate`: each returns the value when it is valid, else undefined (the default stays). */
export const field = {
  string: (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined),
  boolean: (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined),
  number: (v: unknown, min = -Infinity, max = Infinity, integer = false): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v)) ? v : undefined,
  oneOf: <V extends string>(v: unknown, values: readonly V[]): V | undefined => (values.includes(v as V) ? (v as V) : undefined),
};

/** Drops the undefined fields, so `{ ...defaults, ...defined(read) }` keeps a default wherever reading failed. */
export function defined<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const UNREADABLE = Symbol('unreadable');

/** localStorage that never throws: a full or disabled storage must not break the app. */
function readStored<T>(key: string): T | null | typeof UNREADABLE {
  let raw: string | null;
  try {
    raw = localStorage.getItem(key);
  } catch {
    return null;
  }
  if (raw == null) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return UNREADABLE;
  }
}

/** Returns false when the value could not be stored (quota exceeded, storage disabled). */
function writeStored(key: string, value: unknown): boolean {
  try {
    localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}
