import { memo, useCallback, useMemo, type KeyboardEvent } from 'react';
import { partStarts, useDrawnInSteps } from '../../components/drawnInSteps';
import type { AnalysisResult } from '../../engine/protocol';
import { endsLine, textAt } from '../../engine/analyse/tokenTexts';
import { analyseActions, useAnalyseStore } from '../../state/analyseStore';
import type { ColourMeasure } from '../../state/analyseStore';
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

/** Tokens per part of a long text (components/drawnInSteps.ts); a part is a block that skips layout and paint off screen.
 * (1,000 per part took tasks of 0.1 s and more on a loaded machine.) */
const PART_TOKENS = 250;

interface ChunkProps {
  result: AnalysisResult;
  measure: ColourMeasure;
  thresholds: readonly number[];
  from: number;
  to: number;
  /** the selected token and the tab stop when they fall in this chunk, else -1 (so other chunks do not re-render) */
  selected: number;
  tabStop: number;
}

const Chunk = memo(function Chunk({ result, measure, thresholds, from, to, selected, tabStop }: ChunkProps) {
  const tokens = [];
  for (let i = from; i < to; i++) {
    const text = textAt(result.texts, i);
    const rank = result.rank[i];
    const prob = result.prob[i];
    tokens.push(
      <Token
        key={i}
        index={i}
        id={result.ids[i]}
        text={text}
        prob={prob}
        rank={rank}
        colour={tokenColour(measure, rank, prob, result.surprisal[i], thresholds)}
        label={`Token ${i + 1}, ${tokenAriaLabel(text, rank, prob, result.surprisal[i], thresholds)}`}
        selected={i === selected}
        tabbable={i === tabStop}
      />,
    );
  }
  return <div className="a-chunk">{tokens}</div>;
});

/** The analysed text as tokens coloured by the chosen measure; one tab stop, arrow keys move between tokens. */
export function AnalysedText() {
  const result = useAnalyseStore((s) => s.result);
  const measure = useAnalyseStore((s) => s.measure);
  const thresholds = useAnalyseStore((s) => s.thresholds);
  const selected = useAnalyseStore((s) => s.selected);
  const count = result?.ids.length ?? 0;

  const starts = useMemo(() => (result ? partStarts(result.ids.length, PART_TOKENS, (i) => endsLine(result.texts, i)) : []), [result]);
  // a long text's first part waits a task too: the task that brings the result (the worker's message) draws no token
  const chunks = useDrawnInSteps(result, starts.length, starts.length > 1 ? 0 : 1);

  const indexOf = (target: EventTarget | null): number | null => {
    const el = (target as HTMLElement | null)?.closest?.('[data-index]');
    return el ? Number(el.getAttribute('data-index')) : null;
  };

  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLDivElement>) => {
      const i = indexOf(e.target);
      if (i === null) return;
      const last = count - 1;
      const next = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? Math.min(last, i + 1) : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? Math.max(0, i - 1) : e.key === 'Home' ? 0 : e.key === 'End' ? last : null;
      if (next === null) return;
      e.preventDefault();
      focusToken(next);
    },
    [count],
  );

  if (!result) return null;
  const tabStop = selected ?? 0;
  return (
    <div
      className="a-text"
      role="group"
      aria-label="Analysed text, one button per token. Use the arrow keys to move between tokens."
      aria-busy={chunks < starts.length}
      data-testid="analysed-text"
      data-drawn={chunks < starts.length ? 'partly' : 'all'}
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
      {starts.slice(0, chunks).map((from, c) => {
        const to = starts[c + 1] ?? count;
        const inChunk = (i: number) => (i >= from && i < to ? i : -1);
        return <Chunk key={from} result={result} measure={measure} thresholds={thresholds} from={from} to={to} selected={inChunk(selected ?? -1)} tabStop={inChunk(tabStop)} />;
      })}
    </div>
  );
}
