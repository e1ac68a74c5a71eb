/**
 * The app's JSON exports: `{ format, version, …}` with every number kept exactly — infinities and NaN (a masked
 * logit, an unscored token) are written as `{ "$num": "-Infinity" }`, which plain JSON cannot hold — and CSV for
 * spreadsheets (one row per token).
 */

export function toExportJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v), 2);
}

/** Throws "it is not valid JSON" for text that is not. */
export function parseExportJson(text: string): unknown {
  try {
    return JSON.parse(text, revive);
  } catch {
    throw new Error('it is not valid JSON (was the file cut short, or is it another kind of file?)');
  }
}

function revive(_key: string, v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const n = (v as { $num?: unknown }).$num;
    if (Object.keys(v).length === 1 && (n === 'Infinity' || n === '-Infinity' || n === 'NaN')) return Number(n);
  }
  return v;
}

function cell(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: (string | number | boolean | null)[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
