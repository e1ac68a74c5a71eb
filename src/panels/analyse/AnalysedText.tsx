import { memo, useCallback, useMemo, type KeyboardEvent } from 'react';
import { analyseActions, useAnalyseStore } from '../../state/analyseStore';
import { tokenAriaLabel, tokenColour } from './colours';

function tokenElementId(index: number): string {
  return `analysed-token-${index}`;
}

/** Focus a token (e.g. from the most-surprising list): it becomes the selected one and scrolls into view. */
export function focusToken(index: number): void {
  analyseActions.select(index);
  // the roving tab stop moves on the next render; focusing now works since every token is focusable by script
  document.getElementById(tokenElementId(index))?.focus();
}

interface TokenProps {
  index: number;
  id: number;
  text: string;
  prob: number;
  rank: number;
  colour: string;
  label: string;
  selected: boolean;
  tabbable: boolean;
}

function shown(text: string): string {
  if (text === '') return '·';
  return text.replace(/\n/g, '↵\n').replace(/\t/g, '→\t');
}

const Token = memo(function Token({ index, id, text, prob, rank, colour, label, selected, tabbable }: TokenProps) {
  return (
    <span
      id={tokenElementId(index)}
      role="button"
      tabIndex={tabbable ? 0 : -1}
      aria-label={label}
      aria-pressed={selected}
      className={`a-token${selected ? ' selected' : ''}${rank >= 1 ? '' : ' unscored'}${text === '' ? ' piece' : ''}`}
      style={{ background: colour }}
      data-testid="analysed-token"
      data-index={index}
      data-token-id={id}
      data-prob={Number.isNaN(prob) ? '' : prob}
      data-rank={rank}
    >
      {shown(text)}
    </span>
  );
});

/** The analysed text as tokens coloured by the chosen measure; one tab stop, arrow keys move between tokens. */
export function AnalysedText() {
  const result = useAnalyseStore((s) => s.result);
  const measure = useAnalyseStore((s) => s.measure);
  const thresholds = useAnalyseStore((s) => s.thresholds);
  const selected = useAnalyseStore((s) => s.selected);

  const base = useMemo(() => {
    if (!result) return [];
    return Array.from(result.ids, (id, i) => ({
      id,
      text: result.texts[i] ?? '',
      prob: result.prob[i],
      rank: result.rank[i],
      colour: tokenColour(measure, result.rank[i], result.prob[i], result.surprisal[i], thresholds),
      label: `Token ${i + 1}, ${tokenAriaLabel(result.texts[i] ?? '', result.rank[i], result.prob[i], result.surprisal[i], thresholds)}`,
    }));
  }, [result, measure, thresholds]);

  const indexOf = (target: EventTarget | null): number | null => {
    const el = (target as HTMLElement | null)?.closest?.('[data-index]');
    return el ? Number(el.getAttribute('data-index')) : null;
  };

  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLDivElement>) => {
      const i = indexOf(e.target);
      if (i === null) return;
      const last = base.length - 1;
      const next = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? Math.min(last, i + 1) : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? Math.max(0, i - 1) : e.key === 'Home' ? 0 : e.key === 'End' ? last : null;
      if (next === null) return;
      e.preventDefault();
      focusToken(next);
    },
    [base.length],
  );

  if (!result) return null;
  const tabStop = selected ?? 0;
  return (
    <div
      className="a-text"
      role="group"
      aria-label="Analysed text, one button per token. Use the arrow keys to move between tokens."
      data-testid="analysed-text"
      onKeyDown={onKeyDown}
      onFocus={(e) => {
        const i = indexOf(e.target);
        if (i !== null && i !== useAnalyseStore.getState().selected) analyseActions.select(i);
      }}
      onClick={(e) => {
        const i = indexOf(e.target);
        if (i !== null) analyseActions.select(i);
      }}
      onMouseOver={(e) => {
        const i = indexOf(e.target);
        if (i !== useAnalyseStore.getState().hovered) analyseActions.hover(i);
      }}
      onMouseLeave={() => analyseActions.hover(null)}
    >
      {base.map((t, i) => (
        <Token key={i} index={i} {...t} selected={i === selected} tabbable={i === tabStop} />
      ))}
    </div>
  );
}
