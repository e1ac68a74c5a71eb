/**
 * Resolves on a later turn of the event loop (a macrotask, not a microtask), after the messages already queued.
 * Work that runs without ever giving the worker's event loop a turn (a forward pass on WASM settles that way) would
 * otherwise finish before a queued Stop or Cancel is even read. The decode loop takes a turn every step, so a turn
 * must be cheap: in a Chromium worker a new MessageChannel per turn cost 0.24 ms, a reused one or a scheduler task
 * about 0.01 ms. A scheduler task at the default priority still lets a queued message run first.
 */
export function nextTurn(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  const { scheduler } = globalThis as { scheduler?: TaskScheduler };
  if (scheduler?.postTask) return scheduler.postTask(() => undefined, { priority: 'user-visible' });
  return channelTurn();
}

/** The part of the Prioritized Task Scheduling API used here (Chromium has it in workers too). */
interface TaskScheduler {
  postTask(callback: () => void, options: { priority: 'user-visible' }): Promise<void>;
}

/** Where there is no scheduler: one channel for every turn; turns asked for together resolve in order. */
const waitingTurns: (() => void)[] = [];
let turnPort: MessagePort | null = null;
function channelTurn(): Promise<void> {
  if (!turnPort) {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => waitingTurns.shift()?.();
    turnPort = port2;
  }
  const port = turnPort;
  return new Promise((resolve) => {
    waitingTurns.push(resolve);
    port.postMessage(null);
  });
}
