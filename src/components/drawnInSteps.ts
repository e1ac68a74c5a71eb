/**
 * Drawing a long list a part at a time, one part per task, so that no task holds the page: a 200 KB analysis is some
 * 50,000 token buttons, an imported conversation can be thousands of messages. The first part is drawn at once (a
 * short list is drawn whole, as before); each later part waits for the next task.
 */
import { useEffect, useState } from 'react';

/** Whether a part of `n` items ends here: `size` reached at an item that ends a line, or `longest` reached. */
export function endsPart(n: number, size: number, endsLine: () => boolean, longest = 2 * size): boolean {
  return (n >= size && endsLine()) || n >= longest;
}

/**
 * Where each part starts: after `size` items, at the first item that ends a line (`endsLine`, so that a part drawn
 * as its own block breaks where the text breaks anyway), or after `longest` items whatever it ends with (twice `size`
 * by default; Infinity: parts break only where lines do).
 */
export function partStarts(count: number, size: number, endsLine: (i: number) => boolean = () => true, longest = 2 * size): number[] {
  const starts = [0];
  let from = 0;
  for (let i = 0; i < count - 1; i++) {
    if (endsPart(i + 1 - from, size, () => endsLine(i), longest)) {
      starts.push(i + 1);
      from = i + 1;
    }
  }
  return starts;
}

/**
 * How many of `parts` parts to draw now: `first` at first (1 by default), then one more per task until all are drawn.
 * `source` is what the parts are of: a new source starts again from its first part; with the same source (a list
 * being edited) what is drawn stays drawn, and parts added later are drawn one per task. With `first` 0 even the first
 * part waits for the next task, so that the task that brought a long list (a worker's message) draws none of it.
 */
export function useDrawnInSteps(source: unknown, parts: number, first: 0 | 1 = 1): number {
  const [drawn, setDrawn] = useState<{ source: unknown; parts: number }>({ source, parts: first });
  const now = drawn.source === source ? drawn.parts : first;
  useEffect(() => {
    // a list that shrank: what it grows by later is drawn in steps again
    if (now > Math.max(1, parts)) setDrawn({ source, parts: Math.max(1, parts) });
    if (now >= parts) return;
    const next = setTimeout(() => setDrawn({ source, parts: now + 1 }), 0);
    return () => clearTimeout(next);
  }, [source, now, parts]);
  return Math.min(now, Math.max(first, parts));
}
