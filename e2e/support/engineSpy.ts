/**
 * A spy on the page's engine worker, shared by the e2e specs (support/lab.ts) and the benchmark (bench/suites):
 * an init script that wraps `window.Worker` so that every message between the page and its worker is recorded in
 * `window.__engineTraffic`, with the time it crossed, while the worker itself runs unchanged.
 *
 * The worker's message shapes (src/engine/protocol.ts) are known in one place only: `readEngineMessage`.
 */

/** 'request' = UI → worker, 'event' = worker → UI */
type EngineDirection = 'request' | 'event';

/** One message between the page and its engine worker, reduced to what the specs and the bench read. */
export interface EngineMessage {
  dir: EngineDirection;
  type: string;
  /** performance.now() on the page's thread when the message was posted or arrived (set by the spy) */
  t: number;
  requestId?: string | number;
  runId?: string | number;
  /** step events: the chosen token */
  tokenId?: number;
  /** tokenized events: how many tokens; run-done events: how many were generated */
  tokens?: number;
  /** tokenized events: the length (UTF-16 units) of the text that was tokenized */
  textLength?: number;
  /** tokenized events: time spent in the worker */
  ms?: number;
  /** tokenized events: the token range that was encoded again ([start, end)) */
  reencoded?: [number, number];
  /** tokenized events: into how many parts the text was cut to be encoded in parallel (1: the engine worker alone) */
  parts?: number;
  /** run-done events */
  ttftMs?: number;
  tokensPerSecond?: number;
  reason?: string;
}

/**
 * THE place that knows the worker's message shapes: reads one posted request or received event.
 * Today's protocol wraps each message in an envelope (`{ kind: 'request', id, request }`, `{ kind: 'response' |
 * 'event' | 'error', id, ... }`): its `id` ties a request to everything that answers it, so it is both `requestId`
 * and `runId` here. The earlier flat shapes (`{ type, requestId | runId, ... }`) are still read.
 * Runs in the page (serialized into the init script), so it must not use anything outside its own body.
 */
function readEngineMessage(data: unknown, dir: EngineDirection): Omit<EngineMessage, 't'> {
  interface Body {
    type?: unknown;
    requestId?: string | number;
    runId?: string;
    payload?: { ids?: ArrayLike<number> };
    tokenCount?: number;
    textLength?: number;
    ms?: number;
    reencoded?: [number, number];
    parts?: number;
    step?: { chosen?: { id?: number } };
    summary?: { tokenIds?: ArrayLike<number>; ttftMs?: number; decodeTokensPerSecond?: number; reason?: string };
  }
  const env = (data && typeof data === 'object' ? data : {}) as Body & { kind?: string; id?: number; request?: Body; response?: Body; event?: Body };
  const d: Body = env.kind === undefined ? env : (env.request ?? env.response ?? env.event ?? { type: env.kind });
  const id = env.kind === undefined ? undefined : env.id;
  const m: Omit<EngineMessage, 't'> = { dir, type: String(d.type), requestId: d.requestId ?? id, runId: d.runId ?? id };
  if (dir === 'request') return m;
  if (d.type === 'tokenized') return { ...m, tokens: d.tokenCount ?? d.payload?.ids?.length, textLength: d.textLength, ms: d.ms, reencoded: d.reencoded, parts: d.parts };
  if (d.type === 'step') return { ...m, tokenId: d.step?.chosen?.id };
  if (d.type === 'run-done') {
    const s = d.summary;
    return { ...m, tokens: s?.tokenIds?.length, ttftMs: s?.ttftMs, tokensPerSecond: s?.decodeTokensPerSecond, reason: s?.reason };
  }
  return m;
}

/** Runs in the page before its scripts: wraps the Worker constructor and records both directions. */
function installEngineSpy(read: typeof readEngineMessage): void {
  const log: EngineMessage[] = [];
  window.__engineTraffic = log;
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      this.addEventListener('message', (e: MessageEvent) => log.push({ ...read(e.data, 'event'), t: performance.now() }));
    }
    postMessage(message: unknown, transfer?: unknown): void {
      log.push({ ...read(message, 'request'), t: performance.now() });
      super.postMessage(message, transfer as Transferable[]);
    }
  };
}

/**
 * Wraps a function written in TypeScript so that it can be injected as page source: `__name` is the helper that
 * some TypeScript runners (tsx, for the bench) call to keep function names; in the page it only has to exist.
 */
export function pageScript(body: string): string {
  return `(() => { const __name = (f) => f; ${body}; })();`;
}

/** The spy as an init script (page.addInitScript / context.addInitScript). */
export const engineSpyScript = pageScript(`(${installEngineSpy})(${readEngineMessage})`);

declare global {
  interface Window {
    __engineTraffic: EngineMessage[];
  }
}
