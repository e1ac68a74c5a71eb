/**
 * UI-side handle on the engine worker: sends typed requests, fans typed events
 * out to subscribers, and restarts the worker if it crashes so the app keeps working.
 */
import type { EngineEvent, EngineRequest } from '../engine/protocol';

type Listener = (event: EngineEvent) => void;

class EngineClient {
  private worker: Worker | null = null;
  private readonly listeners = new Set<Listener>();
  private nextId = 1;

  newRequestId(): number {
    return this.nextId++;
  }

  send(request: EngineRequest, transfer: Transferable[] = []): void {
    this.ensureWorker().postMessage(request, transfer);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dispatch(event: EngineEvent): void {
    for (const l of this.listeners) l(event);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('../engine/worker.ts', import.meta.url), { type: 'module', name: 'nexttoken-engine' });
    worker.onmessage = (e: MessageEvent<EngineEvent>) => this.dispatch(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.restart(`The engine stopped unexpectedly (${e.message || 'worker error'}). It was restarted; try again.`);
    };
    worker.onmessageerror = () => this.dispatch({ type: 'error', scope: 'engine', message: 'A message from the engine could not be read.', recoverable: true });
    this.worker = worker;
    return worker;
  }

  /** Drops the current worker (crashed, or a run must be cut short) and starts a fresh one lazily. */
  restart(reason: string): void {
    this.worker?.terminate();
    this.worker = null;
    this.dispatch({ type: 'error', scope: 'engine', message: reason, recoverable: true });
  }
}

export const engine = new EngineClient();
