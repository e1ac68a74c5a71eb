// Injected into the app page before its scripts (page.addInitScript): records, on the UI thread,
// when engine events arrive (by listening to the app's own worker), long tasks, and animation frames.
(() => {
  const B = (window.__bench = { tok: [], steps: [], done: [], longtasks: [], frames: [], framesOn: false });
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const d = e.data;
        const t = performance.now();
        if (!d || typeof d !== 'object') return;
        if (d.type === 'tokenized') B.tok.push({ t, requestId: d.requestId, n: d.payload.ids.length, textLength: d.textLength, ms: d.ms, reencoded: d.reencoded });
        else if (d.type === 'step') B.steps.push({ t, runId: d.runId });
        else if (d.type === 'run-done') B.done.push({ t, runId: d.runId, tokens: d.summary.tokenIds.length, ttftMs: d.summary.ttftMs, tps: d.summary.decodeTokensPerSecond, reason: d.summary.reason });
      });
    }
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) B.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    B.noLongtask = true;
  }
  const tick = (t) => {
    if (B.framesOn) B.frames.push(t);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  /** Resolves with cond()'s first truthy value, checked after every DOM mutation and every frame. */
  B.until = (cond, timeoutMs = 60000) =>
    new Promise((resolve, reject) => {
      let finished = false;
      const check = () => {
        if (finished) return;
        let v;
        try {
          v = cond();
        } catch (err) {
          finished = true;
          mo.disconnect();
          reject(err);
          return;
        }
        if (v) {
          finished = true;
          mo.disconnect();
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
        if (!finished) {
          finished = true;
          mo.disconnect();
          reject(new Error(`timed out after ${timeoutMs} ms`));
        }
      }, timeoutMs);
      check();
    });
  B.longestTask = (from, to = Infinity) => B.longtasks.filter((l) => l.start + l.duration >= from && l.start <= to).reduce((m, l) => Math.max(m, l.duration), 0);
  B.setValue = (el, value) => {
    const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  };
  B.digits = (el) => (el ? Number((el.textContent || '').replace(/[^0-9]/g, '')) : NaN);
  B.nextFrame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now())));
  /** Frames seen while `fn` runs, against the idle frame rate measured just before. */
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
})();
