/**
 * A long list of editors drawn only near the viewport: an imported conversation can be thousands of messages, and a
 * browser styles and lays out every control it holds (3,000 message editors took a 0.25 s task of style and layout
 * alone). The list keeps its whole height (the items before and after the drawn ones are padding, at their measured
 * or estimated heights), so the page's scrollbar and scrolling stay right, and the browser's scroll anchoring keeps
 * what is on screen still when a drawn item turns out taller or shorter than estimated.
 *
 * Besides the items near the viewport, three are always drawn, so that the keyboard never loses its way: the first
 * and the last (Tab and Shift+Tab enter the list at its ends, and the browser scrolls what they focus into view,
 * which draws its neighbours) and the one holding focus (it stays drawn, where it belongs, when it is scrolled away).
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type FocusEvent, type RefCallback } from 'react';

/** Where each item starts, from the list's top (`offsets[i]`), and where the list ends (`offsets[count]`): each item is followed by `gap`. */
export function itemOffsets(count: number, heightOf: (i: number) => number, gap: number): Float64Array {
  const offsets = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) offsets[i + 1] = offsets[i] + heightOf(i) + gap;
  return offsets;
}

/** The items `[start, end)` that overlap `[top, bottom)` (list coordinates); none when the span misses the list. */
export function itemsIn(offsets: Float64Array, top: number, bottom: number): { start: number; end: number } {
  const count = offsets.length - 1;
  if (count <= 0 || bottom <= 0 || top >= offsets[count] || bottom <= top) return { start: 0, end: 0 };
  // the first item whose end is below top, then the first item that starts at or below bottom
  return { start: firstAbove(offsets, top, 1) - 1, end: Math.min(count, firstAbove(offsets, bottom, 0, true)) };
}

/** The first index k >= from with offsets[k] > value (or >= value when `orEqual`); offsets.length when none. */
function firstAbove(offsets: Float64Array, value: number, from: number, orEqual = false): number {
  let lo = from;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (orEqual ? offsets[mid] >= value : offsets[mid] > value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** One drawn item: in the list's flow (between the paddings), or kept apart (placed at its own offset). */
export interface ShownItem {
  index: number;
  /** set for an item drawn outside the run near the viewport (first, last, focused): where it is placed */
  placed?: CSSProperties;
}

/**
 * Which items to draw: the run `[start, end)` in flow, and the kept ones outside it placed at their offsets, in list
 * order (so the tab order is the list's).
 */
export function shownItems(offsets: Float64Array, start: number, end: number, kept: readonly number[]): ShownItem[] {
  const count = offsets.length - 1;
  const apart = [...new Set(kept)].filter((i) => i >= 0 && i < count && (i < start || i >= end)).sort((a, b) => a - b);
  const placedAt = (i: number): ShownItem => ({ index: i, placed: { position: 'absolute', top: offsets[i], left: 0, right: 0 } });
  const out: ShownItem[] = apart.filter((i) => i < start).map(placedAt);
  for (let i = start; i < end; i++) out.push({ index: i });
  out.push(...apart.filter((i) => i >= end).map(placedAt));
  return out;
}

export interface WindowedListOptions<T> {
  /** a list this long or shorter is drawn whole (as a short list always was) */
  wholeUpTo: number;
  /** the space after each item, px (the items' own margin-bottom in a windowed list) */
  gap: number;
  /** how far beyond the viewport, above and below, items are drawn, px */
  overscan: number;
  /** an item's height before it is first drawn, px */
  estimate: (item: T) => number;
}

export interface WindowedList {
  /** false: the list is drawn whole */
  windowed: boolean;
  shown: ShownItem[];
  /** the list element's ref, style (the paddings that stand for the items not drawn) and focus handlers */
  listRef: RefCallback<HTMLElement>;
  listStyle: CSSProperties | undefined;
  onFocus: (e: FocusEvent<HTMLElement>) => void;
  onBlur: (e: FocusEvent<HTMLElement>) => void;
  /** each drawn item's element ref (it must carry `data-index`): its height is measured while it is drawn */
  itemRef: RefCallback<HTMLElement>;
}

/** Heights measured so far, by item (an edited item is a new object, measured again once drawn); a new holder each time one changes. */
interface Heights<T extends object> {
  of: WeakMap<T, number>;
}

export function useWindowedList<T extends object>(items: readonly T[], { wholeUpTo, gap, overscan, estimate }: WindowedListOptions<T>): WindowedList {
  const windowed = items.length > wholeUpTo;
  const [heights, setHeights] = useState<Heights<T>>(() => ({ of: new WeakMap() }));
  const [range, setRange] = useState({ start: 0, end: 0 });
  const [focused, setFocused] = useState<number | null>(null);
  const list = useRef<HTMLElement | null>(null);
  const itemsNow = useRef(items);
  useLayoutEffect(() => {
    itemsNow.current = items;
  }, [items]);

  const offsets = useMemo(
    () => (windowed ? itemOffsets(items.length, (i) => heights.of.get(items[i]) ?? estimate(items[i]), gap) : new Float64Array(1)),
    [windowed, items, gap, estimate, heights],
  );

  // which items are near the viewport: on scroll and resize, and whenever the offsets change
  const update = useCallback(() => {
    const el = list.current;
    if (!el) return;
    const top = -el.getBoundingClientRect().top;
    const next = itemsIn(offsets, top - overscan, top + window.innerHeight + overscan);
    setRange((r) => (r.start === next.start && r.end === next.end ? r : next));
  }, [offsets, overscan]);
  useEffect(() => {
    if (!windowed) return;
    let frame = 0;
    const onScroll = () => {
      if (!frame) frame = requestAnimationFrame(() => ((frame = 0), update()));
    };
    // a new list (an import) or new heights: read where the list is at the next frame, after the browser has laid
    // this one out (reading it now would lay the page out twice in the task that made the list)
    onScroll();
    window.addEventListener('scroll', onScroll, { passive: true });
    window.addEventListener('resize', onScroll);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener('scroll', onScroll);
      window.removeEventListener('resize', onScroll);
    };
  }, [windowed, update]);

  // a drawn item's height, whenever it changes (typing a new line, a tool call added, a narrower page)
  const [observer] = useState(() =>
    typeof ResizeObserver === 'undefined'
      ? null
      : new ResizeObserver((entries) => {
          const seen: [T, number][] = [];
          for (const e of entries) {
            const item = itemsNow.current[Number((e.target as HTMLElement).dataset.index)];
            const h = e.borderBoxSize?.[0]?.blockSize ?? e.target.getBoundingClientRect().height;
            if (item && h > 0) seen.push([item, h]);
          }
          setHeights((known) => {
            const changed = seen.filter(([item, h]) => known.of.get(item) !== h);
            for (const [item, h] of changed) known.of.set(item, h);
            return changed.length ? { of: known.of } : known;
          });
        }),
  );
  useEffect(() => () => observer?.disconnect(), [observer]);
  const itemRef = useCallback<RefCallback<HTMLElement>>(
    (el) => {
      if (!el || !observer) return;
      observer.observe(el);
      return () => observer.unobserve(el);
    },
    [observer],
  );
  const listRef = useCallback<RefCallback<HTMLElement>>((el) => {
    list.current = el;
  }, []);

  const onFocus = useCallback((e: FocusEvent<HTMLElement>) => {
    const at = (e.target as Element).closest('[data-index]');
    setFocused(at ? Number((at as HTMLElement).dataset.index) : null);
  }, []);
  const onBlur = useCallback((e: FocusEvent<HTMLElement>) => {
    if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) setFocused(null);
  }, []);

  const count = items.length;
  if (!windowed) return { windowed, shown: items.map((_, index) => ({ index })), listRef, listStyle: undefined, onFocus, onBlur, itemRef };
  const start = Math.min(range.start, count);
  const end = Math.min(range.end, count);
  const kept = [0, count - 1, ...(focused !== null ? [focused] : [])];
  return {
    windowed,
    shown: shownItems(offsets, start, end, kept),
    listRef,
    listStyle: { position: 'relative', paddingTop: offsets[start], paddingBottom: offsets[count] - offsets[end] },
    onFocus,
    onBlur,
    itemRef,
  };
}
