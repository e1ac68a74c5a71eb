/**
 * What went wrong on the wire while a model loaded, as the app's own fetch saw it (onnxRuntimeFiles.ts). Transformers.js
 * and onnxruntime turn these facts into errors that no longer say them ("Unexpected token 'b'" for an HTTP 500 body,
 * "could not be found" for an aborted download, "Failed to fetch dynamically imported module" for a refused runtime);
 * the load's error message is written from the facts instead (loadModel.ts).
 */
export type LoadFault =
  /** no answer at all: the connection failed or was refused */
  | { kind: 'unreachable'; url: string }
  /** an answer with an error status (404 is not kept: a missing optional file is normal) */
  | { kind: 'http'; url: string; status: number }
  /** nothing arrived for the stall limit (onnxRuntimeFiles.ts: LOAD_STALL_MS) */
  | { kind: 'stalled'; url: string; seconds: number }
  /** the body ended before its Content-Length, or the connection dropped mid-body */
  | { kind: 'truncated'; url: string; received: number; expected: number | null }
  /** the page's Content-Security-Policy refused something the load needed */
  | { kind: 'refused'; what: string };

let faults: LoadFault[] = [];

export function noteLoadFault(fault: LoadFault): void {
  faults.push(fault);
}

/** Kept for the worker's lifetime: a refused runtime stays refused. */
let refusal: string | null = null;

/** Called by the worker on a `securitypolicyviolation`. */
export function noteSecurityRefusal(what: string): void {
  refusal = what;
  faults.push({ kind: 'refused', what });
}

/** Whether a file of this load from `host` went silent already (its other files need not wait out the limit again). */
export function stalledHost(host: string): boolean {
  return faults.some((f) => f.kind === 'stalled' && hostOf(f.url) === host);
}

function hostOf(url: string): string {
  try {
    return new URL(url, globalThis.location?.href).host;
  } catch {
    return url;
  }
}

/** Starts a load's record (the faults of earlier loads are dropped). */
export function clearLoadFaults(): void {
  faults = refusal ? [{ kind: 'refused', what: refusal }] : [];
}

const PRIORITY: LoadFault['kind'][] = ['refused', 'stalled', 'truncated', 'http', 'unreachable'];

/** The fault that explains the load's failure best: a refusal, then silence, then a cut body, then an error status, then no answer. */
export function loadFault(): LoadFault | null {
  for (const kind of PRIORITY) {
    const found = faults.find((f) => f.kind === kind);
    if (found) return found;
  }
  return null;
}

/** "config.json at localhost:4173" from a file's URL: the name a user recognises, and where it came from. */
export function describeFile(url: string): string {
  try {
    const u = new URL(url, globalThis.location?.href);
    return `${u.pathname.split('/').pop() || u.pathname} from ${u.host}`;
  } catch {
    return url;
  }
}
