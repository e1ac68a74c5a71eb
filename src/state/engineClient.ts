/**
 * The UI's handle on the engine worker (protocol.ts): every request is a promise, aborted with an AbortSignal;
 * the events a request streams go to its own `onEvent`; events that belong to no request go to `on` listeners.
 * A crashed worker is handled here, once: every request in flight fails with scope 'engine', the worker is
 * restarted lazily, and the stores that hold engine-side state hear it through `onRestart`. A worker that dies
 * without a word (terminated, killed for memory) is found by its silence (heartbeat.ts) and handled the same way.
 */
import { Heartbeat } from './heartbeat';
import type { EngineErrorInfo, EngineEvent, EngineRequest, ErrorScope, FromWorker, RequestType, ResponseTo, ToWorker } from '../engine/protocol';

/** A request that failed; `message` is written for the user. */
export class EngineError extends Error {
  readonly scope: ErrorScope;
  readonly code?: EngineErrorInfo['code'];

  constructor(info: EngineErrorInfo) {
    super(info.message);
    this.name = 'EngineError';
    this.scope = info.scope;
    this.code = info.code;
  }

  get cancelled(): boolean {
    return this.code === 'cancelled';
  }
}

export interface RequestOptions {
  /** aborting asks the worker to stop; the promise settles with what the worker answers (see CANCEL_GRACE_MS) */
  signal?: AbortSignal;
  /** the events this request streams (progress, steps) */
  onEvent?: (event: EngineEvent) => void;
}

/**
 * A worker that has not said it is ready this long after it was created never will: its script did not arrive (a
 * stalled download). Its requests fail and the next request starts a fresh worker.
 */
const START_TIMEOUT_MS = 20_000;

const NOT_STARTED =
  "The engine could not start: its script (the app's worker file) failed to download or arrived damaged. Check the connection and reload the page; what you typed is kept.";
const START_STALLED = `The engine could not start: its script (the app's worker file) did not arrive within ${START_TIMEOUT_MS / 1000} s. Check the connection and reload the page; what you typed is kept.`;

/** After an abort the worker answers at once; if it does not within this time, the request fails as cancelled. */
const CANCEL_GRACE_MS = 3000;

/** How often a started worker is asked whether it is alive. */
const PING_EVERY_MS = 1000;
/**
 * How long a worker may stay silent before it is taken for dead. It answers between decode steps and analysis
 * windows, so only one forward pass can hold it up: 30 s is many times the slowest pass we allow for.
 */
const SILENCE_LIMIT_MS = 30_000;
/** While a model loads: creating its session compiles the whole graph in one blocking call. */
const LOAD_SILENCE_LIMIT_MS = 180_000;

const NO_CANCEL_ANSWER = `Stopped here: the engine did not confirm the stop within ${CANCEL_GRACE_MS / 1000} s (if it stays silent, it is restarted).`;

const stoppedAnswering = (silentMs: number) =>
  `The engine stopped answering (no reply for ${Math.round(silentMs / 1000)} s; it may have run out of memory). It was restarted, and a model it held loads again; what you typed is kept.`;

interface Pending {
  type: RequestType;
  resolve(response: unknown): void;
  reject(error: EngineError): void;
  onEvent?: (event: EngineEvent) => void;
}

type EventListener = (event: EngineEvent) => void;
type RestartListener = (reason: string) => void;

class EngineClient {
  private worker: Worker | null = null;
  /** set from the worker's creation until it says it is ready */
  private startWatch: ReturnType<typeof setTimeout> | undefined;
  private started = false;
  private readonly heartbeat = new Heartbeat({
    everyMs: PING_EVERY_MS,
    silenceLimitMs: () => ([...this.pending.values()].some((p) => p.type === 'load-model') ? LOAD_SILENCE_LIMIT_MS : SILENCE_LIMIT_MS),
    ping: () => this.worker?.postMessage({ kind: 'ping' } satisfies ToWorker),
    onSilent: (silentMs) => this.restart(stoppedAnswering(silentMs)),
  });
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<EventListener>();
  private readonly restartListeners = new Set<RestartListener>();

  request<R extends EngineRequest>(request: R, options: RequestOptions = {}): Promise<ResponseTo<R['type'] & RequestType>> {
    const { signal, onEvent } = options;
    if (signal?.aborted) return Promise.reject(new EngineError({ scope: 'engine', message: 'Cancelled.', code: 'cancelled' }));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let grace: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        this.post({ kind: 'cancel', id });
        grace = setTimeout(() => this.pending.get(id)?.reject(new EngineError({ scope: 'engine', message: NO_CANCEL_ANSWER, code: 'cancelled' })), CANCEL_GRACE_MS);
      };
      /** settles once: the first answer wins, later ones (a late response after a cancel) are ignored */
      const finish = (settle: () => void) => {
        if (!this.pending.delete(id)) return;
        clearTimeout(grace);
        signal?.removeEventListener('abort', onAbort);
        settle();
      };
      this.pending.set(id, {
        type: request.type,
        resolve: (response) => finish(() => resolve(response as ResponseTo<R['type'] & RequestType>)),
        reject: (error) => finish(() => reject(error)),
        onEvent,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.post({ kind: 'request', id, request });
    });
  }

  /** Events that belong to no request (e.g. a tokenizer loading). */
  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after the worker crashed and was dropped: whatever it held (models, texts, kept logits) is gone. */
  onRestart(listener: RestartListener): () => void {
    this.restartListeners.add(listener);
    return () => this.restartListeners.delete(listener);
  }

  private post(message: ToWorker): void {
    this.ensureWorker().postMessage(message);
  }

  private receive(message: FromWorker): void {
    this.heartbeat.heard();
    const entry = message.kind === 'ready' || message.kind === 'pong' || message.id === undefined ? undefined : this.pending.get(message.id);
    switch (message.kind) {
      case 'ready':
        this.started = true;
        clearTimeout(this.startWatch);
        this.heartbeat.start();
        return;
      case 'pong':
        return;
      case 'response':
        entry?.resolve(message.response);
        return;
      case 'event':
        if (entry) entry.onEvent?.(message.event);
        else for (const listener of this.listeners) listener(message.event);
        return;
      case 'error':
        if (entry) entry.reject(new EngineError(message.error));
        else this.restart(message.error.message);
        return;
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('../engine/worker.ts', import.meta.url), { type: 'module', name: 'nexttoken-engine' });
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      // before 'ready' the script itself failed (an HTTP error, a cut or refused file): trying again at once would fail the same way
      if (!this.started) this.restart(NOT_STARTED, 'not-started');
      else this.restart(`The engine stopped unexpectedly (${e.message || 'worker error'}). It was restarted; try again.`);
    };
    worker.onmessageerror = () => this.restart('A message from the engine could not be read. It was restarted; try again.');
    this.worker = worker;
    this.started = false;
    clearTimeout(this.startWatch);
    this.startWatch = setTimeout(() => this.restart(START_STALLED, 'not-started'), START_TIMEOUT_MS);
    return worker;
  }

  /** Drops the worker; every request in flight fails with the reason, and a fresh worker starts on the next request. */
  private restart(reason: string, code?: 'not-started'): void {
    clearTimeout(this.startWatch);
    this.heartbeat.stop();
    this.worker?.terminate();
    this.worker = null;
    for (const entry of [...this.pending.values()]) entry.reject(new EngineError({ scope: 'engine', message: reason, code }));
    for (const listener of this.restartListeners) listener(reason);
  }
}

export const engine = new EngineClient();
