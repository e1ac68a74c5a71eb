/**
 * Injected into the app page before its scripts (with the engine spy of e2e/support/engineSpy.ts, which records when
 * engine events arrive): records long tasks and animation frames, and gives the suites' page-side code its helpers
 * as `window.__bench`. Not part of the bench page's bundle: the suites inject it as source (`appProbeScript`).
 */
import { pageScript, type EngineMessage } from '../../e2e/support/engineSpy';
import type { GenerateSample } from '../suites/inference';

interface LongTask {
  start: number;
  duration: number;
}

export interface FramesMeasure<T> {
  result: T;
  ms: number;
  frames: number;
  expected: number;
  dropped: number;
  idleFps: number;
  longestFrameGapMs: number;
  longestTaskMs: number;
}

interface BenchProbe {
  longtasks: LongTask[];
  frames: number[];
  framesOn: boolean;
  noLongtask?: boolean;
  /** The engine events of this type received so far (from the engine spy), oldest first. */
  events(type: string): EngineMessage[];
  /** Resolves with cond()'s first truthy value and when it was seen, checked after every DOM mutation and every frame. */
  until<T>(cond: () => T | null | undefined | false, timeoutMs?: number): Promise<{ value: T; t: number }>;
  /** The longest long task that overlaps [from, to]. */
  longestTask(from: number, to?: number): number;
  /** Sets an input's value the way typing does (React sees an input event). */
  setValue(el: Element | null, value: string): void;
  /** The number in an element's text (digits only), NaN without an element. */
  digits(el: Element | null): number;
  nextFrame(): Promise<number>;
  /** Frames seen while `fn` runs, against the idle frame rate measured just before. */
  framesDuring<T>(fn: () => Promise<T>): Promise<FramesMeasure<T>>;
  // slots that the suites fill with page-side state of their own
  /** health: generateInPage, to run inside framesDuring */
  generate?: (args: readonly [string, number]) => Promise<GenerateSample>;
  /** health: ends the slider-drag measurement */
  dragDone?: () => void;
  dragMeasure?: Promise<FramesMeasure<void>>;
  /** startup: when the tokenizer lab first became interactive (performance.now(), from navigation start) */
  interactive?: Promise<{ value: true; t: number }>;
  /** startup: when Generate became enabled and when the first generated token was drawn (from navigation start) */
  firstToken?: Promise<{ modelReady: number; t: number }>;
}

function installBenchProbe(): void {
  const B = {
    longtasks: [],
    frames: [],
    framesOn: false,
  } as unknown as BenchProbe;
  window.__bench = B;
  B.events = (type) => (window.__engineTraffic ?? []).filter((m) => m.dir === 'event' && m.type === type);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) B.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    B.noLongtask = true;
  }
  const tick = (t: number) => {
    if (B.framesOn) B.frames.push(t);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  B.until = <T>(cond: () => T | null | undefined | false, timeoutMs = 60000) =>
    new Promise<{ value: T; t: number }>((resolve, reject) => {
      let finished = false;
      const finish = () => {
        finished = true;
        mo.disconnect();
      };
      const check = () => {
        if (finished) return;
        let v: T | null | undefined | false;
        try {
          v = cond();
        } catch (err) {
          finish();
          reject(err);
          return;
        }
        if (v) {
          finish();
          resolve({ value: v, t: performance.now() });
        }
      };
      const mo = new MutationObserver(check);
      mo.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
      const frame = () => {
        check();
        if (!finished) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
      setTimeout(() => {
        if (finished) return;
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      check();
    });
  B.longestTask = (from, to = Infinity) => B.longtasks.filter((l) => l.start + l.duration >= from && l.start <= to).reduce((m, l) => Math.max(m, l.duration), 0);
  B.setValue = (el, value) => {
    const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(el, value);
    el!.dispatchEvent(new Event('input', { bubbles: true }));
  };
  B.digits = (el) => (el ? Number((el.textContent || '').replace(/[^0-9]/g, '')) : NaN);
  B.nextFrame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now())));
  B.framesDuring = async (fn) => {
    B.frames = [];
    B.framesOn = true;
    await new Promise((r) => setTimeout(r, 500));
    const idle = B.frames.slice();
    const idleInterval = idle.length > 2 ? (idle[idle.length - 1] - idle[0]) / (idle.length - 1) : 1000 / 60;
    B.frames = [];
    const t0 = performance.now();
    const result = await fn();
    const t1 = performance.now();
    B.framesOn = false;
    const frames = B.frames.filter((t) => t >= t0 && t <= t1);
    let gap = 0;
    for (let i = 1; i < frames.length; i++) gap = Math.max(gap, frames[i] - frames[i - 1]);
    const expected = Math.max(1, Math.round((t1 - t0) / idleInterval));
    return { result, ms: t1 - t0, frames: frames.length, expected, dropped: Math.max(0, expected - frames.length), idleFps: 1000 / idleInterval, longestFrameGapMs: gap, longestTaskMs: B.longestTask(t0, t1) };
  };
}

/** The probe as an init script; add it after the engine spy's. */
export const appProbeScript = pageScript(`(${installBenchProbe})()`);

declare global {
  interface Window {
    __bench: BenchProbe;
  }
}
