import { memo, useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useTokenizerStore, type Tokenization } from '../../state/tokenizerStore';
import { partStarts } from '../../components/drawnInSteps';
import { chipLabel, escapeTokenText, isInvisible, tokenAccessibleName, tokenView, type TokenView } from './tokenDisplay';
import { formatCount } from '../../state/formatCount';

/** Every chip is in the DOM below this many tokens; above it, chips are shown a page at a time. */
const CHIP_PAGE_SIZE = 2000;
/** A fresh page of a large text is added this many chips per frame, so no frame builds 2,000 at once. */
const CHIPS_PER_FRAME = 250;

const MARKER_CLASS: Record<string, string> = { ' ': 'ws ws-space', '\n': 'ws ws-nl', '\t': 'ws ws-tab', '\r': 'ws ws-cr' };

/** Renders text with whitespace made visible by CSS markers; the real characters stay for copying. */
function visibleText(s: string): ReactNode[] {
  const out: ReactNode[] = [];
  let run = '';
  const flush = () => {
    if (run) out.push(run);
    run = '';
  };
  for (const ch of s) {
    const cls = MARKER_CLASS[ch];
    if (cls) {
      flush();
      out.push(
        <span key={out.length} className={cls}>
          {ch}
        </span>,
      );
    } else if (isInvisible(ch)) {
      flush();
      out.push(
        <span key={out.length} className="esc">
          <span aria-hidden="true" className="no-copy">
            {escapeTokenText(ch)}
          </span>
          <span className="copy-only">{ch}</span>
        </span>,
      );
    } else run += ch;
  }
  flush();
  return out;
}

interface ChipProps {
  view: TokenView;
  focusable: boolean;
  onInspect(index: number): void;
}

/** Same chip on screen: after an edit, only the chips whose token changed re-render. */
function sameChip(a: ChipProps, b: ChipProps): boolean {
  const x = a.view;
  const y = b.view;
  return (
    a.focusable === b.focusable &&
    a.onInspect === b.onInspect &&
    x.index === y.index &&
    x.id === y.id &&
    x.special === y.special &&
    x.text === y.text &&
    x.copyText === y.copyText &&
    (x.text !== null || x.bytes.length === y.bytes.length)
  );
}

const TokenChip = memo(function TokenChip({ view, focusable, onInspect }: ChipProps) {
  const { label, kind } = chipLabel(view);
  const sameAsText = kind !== 'bytes' && label === view.copyText;
  return (
    <span
      role="listitem"
      data-testid="token"
      data-token-id={view.id}
      data-token-index={view.index}
      aria-label={tokenAccessibleName(view)}
      tabIndex={focusable ? 0 : -1}
      className={`chip chip-${view.index % 2 ? 'odd' : 'even'} chip-${kind}`}
      onMouseEnter={() => onInspect(view.index)}
      onFocus={() => onInspect(view.index)}
    >
      {sameAsText ? (
        visibleText(view.copyText)
      ) : (
        <>
          <span aria-hidden="true" className="no-copy chip-alt">
            {kind === 'bytes' ? label : escapeTokenText(label)}
          </span>
          {view.copyText && <span className="copy-only">{view.copyText}</span>}
        </>
      )}
    </span>
  );
}, sameChip);

/** Chips per block at least; a block ends only after a chip whose text ends a line, so blocks add no line break. */
const MIN_CHIPS_PER_PART = 100;

/** Index of the first token that starts at or after `offset` (the last token when none does). */
function firstTokenAt(offsets: Uint32Array, offset: number): number {
  let lo = 0;
  let hi = offsets.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[2 * mid] < offset) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(lo, Math.max(0, offsets.length / 2 - 1));
}

interface TokenChipsProps {
  result: Tokenization;
  onInspect(index: number): void;
}

/** Memoised: a keystroke re-renders the panel, but the chips only change when the tokens arrive. */
export const TokenChips = memo(function TokenChips({ result, onInspect }: TokenChipsProps) {
  const total = result.payload.ids.length;
  const [pageStart, setPageStart] = useState(0);
  const [activeIndex, setActiveIndex] = useState(0);
  const listRef = useRef<HTMLDivElement>(null);
  const start = Math.min(pageStart, Math.max(0, Math.floor((total - 1) / CHIP_PAGE_SIZE) * CHIP_PAGE_SIZE));
  const end = Math.min(total, start + CHIP_PAGE_SIZE);

  const decoded = useMemo(() => new Map<number, string | null>(), [result.tokenizerId]); // eslint-disable-line react-hooks/exhaustive-deps -- one cache per tokenizer
  const views = useMemo(() => {
    const out: TokenView[] = [];
    for (let i = start; i < end; i++) out.push(tokenView(result.payload, result.text, i, decoded));
    return out;
  }, [result, start, end, decoded]);

  const focusIndex = Math.min(Math.max(activeIndex, start), end - 1);
  const partAt = useMemo(() => partStarts(views.length, MIN_CHIPS_PER_PART, (i) => views[i].copyText.endsWith('\n'), Infinity), [views]);

  // "show the tokens of this part" (the editor of a large text): page to the first token at the offset
  const chipsAt = useTokenizerStore((s) => s.chipsAt);
  useEffect(() => {
    if (!chipsAt) return;
    const index = firstTokenAt(result.payload.offsets, chipsAt.offset);
    setPageStart(Math.floor(index / CHIP_PAGE_SIZE) * CHIP_PAGE_SIZE);
    setActiveIndex(index);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new request pages; edits do not
  }, [chipsAt]);

  // Texts under a page get every chip at once. A new page of a large text grows over a few frames;
  // once shown, edits re-render only the chips that changed.
  const paged = total > CHIP_PAGE_SIZE;
  const [grown, setGrown] = useState({ start: -1, count: 0 });
  const shownCount = !paged ? views.length : Math.min(views.length, grown.start === start ? grown.count : CHIPS_PER_FRAME);
  useEffect(() => {
    if (!paged) {
      if (grown.start !== -1) setGrown({ start: -1, count: 0 }); // the next large text starts growing afresh
    }
    else if (shownCount < views.length) {
      const frame = requestAnimationFrame(() => setGrown({ start, count: shownCount + CHIPS_PER_FRAME }));
      return () => cancelAnimationFrame(frame);
    } else if (grown.start !== start) setGrown({ start, count: shownCount });
  }, [paged, shownCount, views.length, start, grown.start]);

  const move = (to: number) => {
    const clamped = Math.max(0, Math.min(total - 1, to));
    if (clamped < start || clamped >= end) setPageStart(Math.floor(clamped / CHIP_PAGE_SIZE) * CHIP_PAGE_SIZE);
    setActiveIndex(clamped);
    onInspect(clamped);
    requestAnimationFrame(() => listRef.current?.querySelector<HTMLElement>(`[data-token-index="${clamped}"]`)?.focus());
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const keys: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (e.key in keys) move(focusIndex + keys[e.key]);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(total - 1);
    else return;
    e.preventDefault();
  };

  if (total === 0) return <p className="muted" data-testid="no-tokens">No tokens: the text is empty.</p>;

  return (
    <div className="chips-wrap">
      {total > CHIP_PAGE_SIZE && (
        <div className="pager" role="group" aria-label="Token pages">
          <button type="button" onClick={() => setPageStart(Math.max(0, start - CHIP_PAGE_SIZE))} disabled={start === 0}>
            ← Previous {formatCount(CHIP_PAGE_SIZE)}
          </button>
          <span data-testid="chip-window">
            Tokens {formatCount(start + 1)}–{formatCount(end)} of {formatCount(total)}
          </span>
          <button type="button" onClick={() => setPageStart(start + CHIP_PAGE_SIZE)} disabled={end >= total}>
            Next {formatCount(CHIP_PAGE_SIZE)} →
          </button>
        </div>
      )}
      <div
        ref={listRef}
        role="list"
        aria-label={`Tokens (${formatCount(total)}); use the arrow keys to move between tokens`}
        className="chips"
        data-testid="token-chips"
        onKeyDown={onKeyDown}
        onClick={(e) => {
          const el = (e.target as HTMLElement).closest<HTMLElement>('[data-token-index]');
          if (el) setActiveIndex(Number(el.dataset.tokenIndex));
        }}
      >
        {partAt.filter((a) => a < shownCount).map((a, k) => (
          <div key={a} className="chip-part" role="none">
            {views.slice(a, Math.min(partAt[k + 1] ?? shownCount, shownCount)).map((v) => (
              <TokenChip key={v.index} view={v} focusable={v.index === focusIndex} onInspect={onInspect} />
            ))}
          </div>
        ))}
      </div>
    </div>
  );
});
