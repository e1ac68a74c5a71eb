/**
 * Tells a dead worker from a busy one by silence. Every `everyMs` the page pings the worker unless it is already
 * waiting for an answer; any message from the worker counts as one (`heard`). When nothing has come back for the
 * limit, the worker is declared silent. The worker answers pings between decode steps and analysis windows (both
 * loops yield to its event loop), so only a single blocking call can hold an answer back: the limit is sized for
 * the longest such call, and a model load (one blocking compile of the whole graph) gets a longer one.
 *
 * The page's own sleep is no evidence: when its timer fires late (a throttled background tab, a long task on the
 * main thread), the wait starts again with a fresh ping instead of counting the time the page itself was away.
 */
export interface HeartbeatOptions {
  everyMs: number;
  /** how long silence may last now (read at every tick: it depends on what the worker is doing) */
  silenceLimitMs(): number;
  ping(): void;
  onSilent(silentMs: number): void;
  now?: () => number;
}

export class Heartbeat {
  private timer: ReturnType<typeof setInterval> | undefined;
  private waitingSince: number | null = null;
  private lastTick = 0;
  private readonly now: () => number;

  constructor(private readonly options: HeartbeatOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  start(): void {
    this.stop();
    this.lastTick = this.now();
    this.waitingSince = null;
    this.timer = setInterval(() => this.tick(), this.options.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Something came from the worker: it is alive. */
  heard(): void {
    this.waitingSince = null;
  }

  private tick(): void {
    const t = this.now();
    const pageSlept = t - this.lastTick > 2 * this.options.everyMs;
    this.lastTick = t;
    if (pageSlept) this.waitingSince = null;
    if (this.waitingSince === null) {
      this.waitingSince = t;
      this.options.ping();
      return;
    }
    const silent = t - this.waitingSince;
    if (silent >= this.options.silenceLimitMs()) {
      this.stop();
      this.options.onSilent(silent);
    }
  }
}
