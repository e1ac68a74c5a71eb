/**
 * The one handler shape of the worker: a request in, a promise of its response out. A handler streams events
 * through `emit` while it runs, stops when `signal` aborts, and throws to fail (the worker turns the error into
 * the protocol's error message, with the handler's scope).
 */
import type { EngineErrorInfo, EngineEvent, RequestOf, RequestType, ResponseTo } from './protocol';

export interface HandlerContext {
  /** aborted when the UI cancels this request (Stop, Cancel, a newer request) */
  signal: AbortSignal;
  /** an event that belongs to this request */
  emit(event: EngineEvent): void;
}

export type Handler<T extends RequestType> = (request: RequestOf<T>, context: HandlerContext) => Promise<ResponseTo<T>>;

/** A failure whose message is already written for the user, with an optional machine-readable code. */
export class EngineFailure extends Error {
  constructor(
    message: string,
    readonly code?: EngineErrorInfo['code'],
  ) {
    super(message);
    this.name = 'EngineFailure';
  }
}
