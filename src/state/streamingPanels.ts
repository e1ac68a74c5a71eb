/**
 * While a run streams, the generated tokens are drawn every animation frame, but the panels that follow the newest
 * step (its distribution, the sampling pipeline, the timings chart, the Inside panel's context) redraw at most every
 * STEP_PANEL_INTERVAL_MS: each of them re-lays out a chart, and doing that at the decode rate costs more frames than
 * the screen has. When nothing is generating they follow the store at once. The numbers they show are the store's;
 * only how often they are redrawn changes.
 */
import { useCallback, useSyncExternalStore } from 'react';
import { isGenerating, useGenerateStore, type GenerateState } from './generateStore';

const STEP_PANEL_INTERVAL_MS = 100;

/** `notify` for every change of the store, spaced at least `intervalMs` apart while `streaming` holds. */
export function throttledWhile<S>(
  subscribe: (listener: (state: S) => void) => () => void,
  streaming: (state: S) => boolean,
  notify: () => void,
  intervalMs: number,
  now: () => number = () => performance.now(),
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = -Infinity;
  const fire = () => {
    timer = undefined;
    last = now();
    notify();
  };
  const unsubscribe = subscribe((state) => {
    if (!streaming(state)) {
      if (timer !== undefined) clearTimeout(timer);
      fire();
    } else if (timer === undefined) {
      timer = setTimeout(fire, Math.max(0, last + intervalMs - now()));
    }
  });
  return () => {
    unsubscribe();
    if (timer !== undefined) clearTimeout(timer);
  };
}

/** `useGenerateStore(selector)` for a panel that follows the newest step: redrawn at most every interval while streaming. */
export function useStepPanelState<T>(selector: (s: GenerateState) => T): T {
  const subscribe = useCallback((notify: () => void) => throttledWhile(useGenerateStore.subscribe, isGenerating, notify, STEP_PANEL_INTERVAL_MS), []);
  return useSyncExternalStore(subscribe, () => selector(useGenerateStore.getState()));
}
