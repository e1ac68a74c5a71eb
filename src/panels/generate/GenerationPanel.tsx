import { memo, useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type PointerEvent, type UIEvent, type WheelEvent } from 'react';
import { chatActions } from '../../state/chatStore';
import { showTab } from '../../state/navigationStore';
import { interpolateRgb } from 'd3';
import { constraintBlocker, generateActions, isGenerating, sequenceSteps, useGenerateStore } from '../../state/generateStore';
import { escapeTokenText } from '../tokenizer/tokenDisplay';
import { NumberField } from '../../components/NumberField';
import { TextEditor } from '../../components/TextEditor';
import { LONG_FIELD_CHARS } from '../../components/textWindow';
import { useTooLongPrompt } from '../../state/promptFitStore';
import { PromptFitNotice } from './PromptFitNotice';
import type { DoneReason } from '../../engine/generation/types';
import type { StepRecord } from '../../state/stepRecords';
import type { PromptTokens as PromptTokensOf } from '../../engine/protocol';

/** Low probability → warm, high → green; light enough that dark text keeps its contrast. */
const probColour = interpolateRgb('#ffc9c9', '#c8f0c8');

function ProbLegend() {
  return (
    <span className="legend" aria-hidden="true">
      <span className="legend-swatch" style={{ background: probColour(0) }} /> unlikely
      <span className="legend-swatch" style={{ background: probColour(0.5) }} />
      <span className="legend-swatch" style={{ background: probColour(1) }} /> likely (probability when chosen)
    </span>
  );
}

/** The strip over a constrained token: the more of the model's probability the grammar removed, the redder. */
function removedMassStrip(mass: number): string {
  return `inset 0 4px 0 rgba(179, 38, 30, ${(0.08 + 0.92 * mass).toFixed(3)})`;
}

function ConstraintLegend() {
  return (
    <span className="legend" data-testid="constraint-legend">
      <span className="legend-swatch" style={{ boxShadow: removedMassStrip(0) }} aria-hidden="true" /> the constraint removed little
      <span className="legend-swatch" style={{ boxShadow: removedMassStrip(1) }} aria-hidden="true" /> most of the model’s probability (the
      strip over each token: where the model fought the format)
    </span>
  );
}

/** Selects a step; one function for every chip, so a chip's props stay equal while its step does not change. */
const selectStep = (i: number) => generateActions.selectStep(i);

interface ChipProps {
  step: StepRecord;
  index: number;
  selected: boolean;
  /** a server backend numbers the tokens it meets itself: only the model's own ids (where it sent them) are shown */
  onServer: boolean;
}

/**
 * One generated token. Memoised: while steps stream, only the new chips and the two whose selection changed render,
 * not the whole list (a step's snapshot object never changes once it has arrived).
 */
const TokenChip = memo(function TokenChip({ step: s, index: i, selected, onServer }: ChipProps) {
  const id = onServer ? s.chosen.modelTokenId : s.chosen.id;
  return (
    <button
      type="button"
      className={`gen-token${selected ? ' selected' : ''}${s.chosen.forced ? ' forced' : ''}`}
      style={{ background: probColour(s.chosen.prob), ...(s.removedMass !== null && { boxShadow: removedMassStrip(s.removedMass) }) }}
      data-testid="gen-token"
      data-token-id={id}
      data-token-text={s.chosen.text}
      data-prob={s.chosen.prob}
      data-step={i}
      data-removed-mass={s.removedMass ?? undefined}
      aria-pressed={selected}
      aria-label={`Step ${i + 1}: "${escapeTokenText(s.chosen.text)}"${onServer && s.chosen.modelTokenId === undefined ? '' : `, ID ${id}`}, probability ${(s.chosen.prob * 100).toFixed(1)}%${s.chosen.forced ? ', picked by you' : ''}${s.removedMass !== null ? `, the constraint removed ${(s.removedMass * 100).toFixed(1)}% of the model’s probability` : ''}`}
      onClick={() => selectStep(i)}
    >
      {s.chosen.text}
    </button>
  );
});

/** The prompt's tokens: rendered once per run, not once per streamed step. */
const PromptTokens = memo(function PromptTokens({ prompt }: { prompt: PromptTokensOf }) {
  return prompt.texts.map((t, i) => (
    <span key={`p${i}`} className="prompt-token" data-testid="prompt-token" data-token-id={prompt.ids[i]} title={`prompt token, ID ${prompt.ids[i]}`}>
      {t}
    </span>
  ));
});

/** How long after the reader's last wheel, key or press a scroll counts as theirs. */
const READER_SCROLL_MS = 1000;

/**
 * The text box has a fixed height (a growing box moved every panel below it, which the page laid out and painted
 * again with each token): it keeps its end in view as tokens arrive, until the reader scrolls up; scrolling back to
 * the end, or a new run, follows again. A ResizeObserver scrolls when the content grew, after the frame's layout:
 * reading the box's geometry in a render effect forced a layout of the page per commit. Scroll events are read only
 * while the reader is scrolling, for the same reason.
 */
function useFollowEnd(runId: string | null, shown: boolean) {
  const box = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const readerInput = useRef(-Infinity);
  useLayoutEffect(() => {
    following.current = true;
  }, [runId]);
  useEffect(() => {
    const b = box.current;
    const c = content.current;
    if (!shown || !b || !c || typeof ResizeObserver === 'undefined') return;
    const grew = new ResizeObserver(() => {
      if (following.current) b.scrollTop = b.scrollHeight;
    });
    grew.observe(c);
    return () => grew.disconnect();
  }, [shown]);
  const input = (b: HTMLDivElement, up: boolean) => {
    readerInput.current = performance.now();
    // a move up stops following at once, before content grown meanwhile could pull the view back
    if (up && b.scrollTop > 0) following.current = false;
  };
  const handlers = {
    onWheel: (e: WheelEvent<HTMLDivElement>) => input(e.currentTarget, e.deltaY < 0),
    onKeyDown: (e: KeyboardEvent<HTMLDivElement>) => ['ArrowUp', 'PageUp', 'Home', 'ArrowDown', 'PageDown', 'End'].includes(e.key) && input(e.currentTarget, ['ArrowUp', 'PageUp', 'Home'].includes(e.key)),
    onPointerDown: (e: PointerEvent<HTMLDivElement>) => input(e.currentTarget, false),
    onPointerMove: (e: PointerEvent<HTMLDivElement>) => e.buttons !== 0 && input(e.currentTarget, false),
    onScroll: (e: UIEvent<HTMLDivElement>) => {
      if (performance.now() - readerInput.current > READER_SCROLL_MS) return;
      const b = e.currentTarget;
      following.current = b.scrollTop + b.clientHeight >= b.scrollHeight - 4;
    },
  };
  return { box, content, handlers };
}

function GeneratedTokens() {
  const runId = useGenerateStore((s) => s.activeRunId);
  const prompt = useGenerateStore((s) => (s.activeRunId ? s.runs[s.activeRunId]?.prompt : undefined));
  const running = useGenerateStore((s) => (s.activeRunId ? s.runs[s.activeRunId]?.status === 'running' : false));
  const steps = useGenerateStore((s) => sequenceSteps(s, runId));
  const selected = useGenerateStore((s) => s.selectedStep);
  const onServer = useGenerateStore((s) => s.model.info?.server !== undefined);
  const follow = useFollowEnd(runId, prompt !== undefined);
  if (!prompt) return <p className="muted">Press Generate to watch the model pick one token at a time.</p>;
  const current = selected ?? steps.length - 1;
  const constrained = steps.some((s) => s.removedMass !== null);
  return (
    <>
    {constrained && <ConstraintLegend />}
    <div className="gen-text" role="region" tabIndex={0} aria-label="Prompt and generated tokens" data-testid="generated-text" ref={follow.box} {...follow.handlers}>
      <div ref={follow.content}>
        <PromptTokens prompt={prompt} />
        {steps.map((s, i) => (
          <TokenChip key={`${s.branchId}-${i}`} step={s} index={i} selected={i === current} onServer={onServer} />
        ))}
        {running && <span className="cursor" aria-hidden="true">▍</span>}
      </div>
    </div>
    </>
  );
}

const DONE_REASON_TEXT: Record<DoneReason, string> = {
  eos: 'the model chose its end-of-sequence token',
  'max-tokens': 'max new tokens reached',
  stopped: 'you pressed Stop',
  'context-full': 'the context window is full',
  interrupted: 'interrupted: the server’s stream broke off; the tokens received are kept',
  'constraint-incomplete': 'the constraint could not complete: the output is not a whole document',
  'constraint-dead-end': 'the constraint allowed no token of the vocabulary',
};

/** A finished reply joins the Chat lab's conversation; a tool call comes back parsed into the tool and its arguments. */
function AddToChat({ text }: { text: string }) {
  const [added, setAdded] = useState<ReturnType<typeof chatActions.addGeneratedReply> | null>(null);
  return (
    <div className="row">
      <button type="button" data-testid="add-to-chat" onClick={() => setAdded(chatActions.addGeneratedReply(text))}>
        Add this reply to the Chat lab
      </button>
      {added && (
        <p className="muted" role="status" data-testid="add-to-chat-notice" data-kind={added.kind}>
          {added.kind === 'tool-call'
            ? `Added as a call to ${added.name} with arguments ${added.arguments}.`
            : `Added as text (not a tool call: ${added.problem}).`}{' '}
          <button type="button" onClick={() => showTab('chat')}>
            Open the Chat lab
          </button>
        </p>
      )}
    </div>
  );
}

const setPrompt = (text: string) => generateActions.setPrompt(text);

export function GenerationPanel() {
  const prompt = useGenerateStore((s) => s.prompt);
  const maxNewTokens = useGenerateStore((s) => s.maxNewTokens);
  const ready = useGenerateStore((s) => s.model.info !== null && s.model.status !== 'loading');
  const generating = useGenerateStore(isGenerating);
  const summary = useGenerateStore((s) => (s.activeRunId ? s.runs[s.activeRunId]?.summary : null));
  const error = useGenerateStore((s) => s.error);
  const addSpecialTokens = useGenerateStore((s) => s.addSpecialTokens);
  const blocker = useGenerateStore(constraintBlocker);
  const overlong = useTooLongPrompt() !== null;
  const ids = { prompt: useId(), max: useId(), special: useId(), blocker: useId(), fit: useId() };
  return (
    <section className="card" aria-labelledby="generation-heading">
      <h2 id="generation-heading">Generation</h2>
      <label htmlFor={ids.prompt} className="block-label">
        Prompt
      </label>
      <TextEditor id={ids.prompt} testId="prompt-input" text={prompt} onText={setPrompt} largeAbove={LONG_FIELD_CHARS} rows={3} wholeTextIs="the prompt" />
      <div className="controls">
        <button type="button" className="primary" data-testid="generate" onClick={() => generateActions.generate()} disabled={!ready || generating || !prompt || blocker !== null || overlong} aria-describedby={blocker ? ids.blocker : overlong ? ids.fit : undefined}>
          Generate
        </button>
        <button type="button" data-testid="stop" onClick={() => generateActions.stop()} disabled={!generating}>
          Stop
        </button>
        <label htmlFor={ids.max}>Max new tokens</label>
        <NumberField id={ids.max} min={1} max={2048} integer data-testid="max-new-tokens" value={maxNewTokens} onCommit={generateActions.setMaxNewTokens} />
        <span className="checkbox">
          <input id={ids.special} type="checkbox" data-testid="prompt-special-tokens" checked={addSpecialTokens} onChange={(e) => generateActions.setAddSpecialTokens(e.target.checked)} />
          <label htmlFor={ids.special}>Add the model’s special tokens (BOS)</label>
        </span>
      </div>
      <PromptFitNotice id={ids.fit} />
      {blocker && (
        <p id={ids.blocker} className="muted" data-testid="generate-blocked">
          {blocker}
        </p>
      )}
      <ProbLegend />
      {error && (
        <p role="alert" className="error-box" data-testid="generation-error">
          {error}
        </p>
      )}
      <GeneratedTokens />
      {summary && (
        <p className="muted" data-testid="run-summary" data-reason={summary.reason}>
          Stopped: {DONE_REASON_TEXT[summary.reason]}
          {summary.message ? ` (${summary.message})` : ''}.
          Click any token to see the distribution it was drawn from.
        </p>
      )}
      {summary && summary.text && <AddToChat key={summary.branchId} text={summary.text} />}
    </section>
  );
}
