import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from './heartbeat';

describe('heartbeat', () => {
  let clock = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
  });
  afterEach(() => vi.useRealTimers());

  /** advances the fake timers and the heartbeat's clock together, one tick at a time */
  function pass(ms: number, every = 1000) {
    for (let t = 0; t < ms; t += every) {
      clock += every;
      vi.advanceTimersByTime(every);
    }
  }

  function beat(limit = 5000) {
    const onSilent = vi.fn();
    const ping = vi.fn();
    const hb = new Heartbeat({ everyMs: 1000, silenceLimitMs: () => limit, ping, onSilent, now: () => clock });
    hb.start();
    return { hb, ping, onSilent };
  }

  it('a worker that stays silent for the limit is declared silent, once', () => {
    const { onSilent } = beat();
    pass(5000);
    expect(onSilent).not.toHaveBeenCalled();
    pass(1000);
    expect(onSilent).toHaveBeenCalledTimes(1);
    expect(onSilent.mock.calls[0][0]).toBeGreaterThanOrEqual(5000);
    pass(20_000);
    expect(onSilent).toHaveBeenCalledTimes(1);
  });

  it('a long run that keeps answering pings is never declared silent', () => {
    const { hb, ping, onSilent } = beat();
    ping.mockImplementation(() => hb.heard());
    pass(120_000);
    expect(onSilent).not.toHaveBeenCalled();
    expect(ping.mock.calls.length).toBeGreaterThan(30);
  });

  it('an answer late but within the limit keeps the worker', () => {
    const { hb, onSilent } = beat();
    pass(4000);
    hb.heard();
    pass(4000);
    expect(onSilent).not.toHaveBeenCalled();
  });

  it("the page's own sleep (a late timer) is not counted as the worker's silence", () => {
    const { ping, onSilent } = beat();
    pass(1000);
    expect(ping).toHaveBeenCalledTimes(1);
    // the page was throttled for a minute: its timer fires once, late
    clock += 60_000;
    vi.advanceTimersByTime(1000);
    expect(onSilent).not.toHaveBeenCalled();
    expect(ping).toHaveBeenCalledTimes(2);
  });

  it('the limit is read at each tick (a model load may block longer)', () => {
    let limit = 60_000;
    const onSilent = vi.fn();
    new Heartbeat({ everyMs: 1000, silenceLimitMs: () => limit, ping: () => {}, onSilent, now: () => clock }).start();
    pass(30_000);
    expect(onSilent).not.toHaveBeenCalled();
    limit = 5000;
    pass(1000);
    expect(onSilent).toHaveBeenCalledTimes(1);
  });
});
