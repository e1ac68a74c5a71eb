/**
 * "Latest request wins", written once: at most one request of a kind is in flight; asking again while one runs
 * only marks that the newest state must be sent when it ends, so a burst of keystrokes or slider moves costs
 * one request in flight plus one with the final state, and results never arrive out of order.
 */
export interface LatestWins {
  /** Sends now, or once the request in flight ends. */
  request(): void;
  /** Forgets a wish that has not been sent (e.g. the engine restarted). */
  reset(): void;
}

export function latestWins(send: () => Promise<void>): LatestWins {
  let inFlight = false;
  let again = false;
  const run = () => {
    inFlight = true;
    again = false;
    send()
      .catch(() => undefined) // `send` reports its own errors to its store
      .finally(() => {
        inFlight = false;
        if (again) run();
      });
  };
  return {
    request() {
      if (inFlight) again = true;
      else run();
    },
    reset() {
      again = false;
    },
  };
}
