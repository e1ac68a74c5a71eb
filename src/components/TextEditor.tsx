import { useEffect, useId, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import type { TextEdit } from '../engine/protocol';
import { applyEdit } from '../engine/textEdit';
import { diffText, normalizeNewlines } from '../state/textChanges';
import { LARGE_TEXT_CHARS, WINDOW_CHARS, wholeText, windowAround, type TextWindow } from './textWindow';
import { formatCount } from '../state/formatCount';

interface TextEditorProps {
  id: string;
  text: string;
  /** `edit`, when known, says how `text` came from the previous text */
  onText(text: string, edit?: TextEdit): void;
  /** pages the token chips to this offset of the text (the tokenizer lab; without it there is no such button) */
  onShowTokens?(offset: number): void;
  /** the field's data-testid */
  testId: string;
  /** texts longer than this are shown a window at a time (default LARGE_TEXT_CHARS) */
  largeAbove?: number;
  /** the field's height in rows for a small text (a large one gets twice as many) */
  rows?: number;
  /** what the whole text is for, in the large-text hint: "tokenized", "the prompt" */
  wholeTextIs: string;
  /** the empty field's placeholder */
  placeholder?: string;
}


/**
 * A text field for texts of any size (the tokenizer lab's text, the Generate lab's prompt, the chat JSON to import). Small texts live in it
 * whole. Large ones (over `largeAbove` characters) are shown a window of about 8,000 characters at a time, because
 * the browser lays out every character a field holds on each change (a 50,000-character prompt cost a 0.15–0.5 s
 * task); edits, pastes and navigation in the window are mapped onto the whole text, which is what gets used. The
 * field is uncontrolled: React never writes a megabyte into it.
 */
export function TextEditor({ id, text, onText, onShowTokens, testId, largeAbove = LARGE_TEXT_CHARS, rows = 6, wholeTextIs, placeholder = 'Type or paste text…' }: TextEditorProps) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  /** the whole text as this editor last produced or received it */
  const known = useRef(text);
  /** which part of `known` the field shows, and the exact value it was given */
  const win = useRef<TextWindow>(wholeText(text));
  const shown = useRef('');
  /**
   * whether the field's value is exactly `known`'s slice, so field offsets are text offsets (false
   * only for a small text with CRLF, which a field shows with LF; then its value is taken as the text)
   */
  const exact = useRef(true);
  const filled = useRef(false);
  const [view, setView] = useState<TextWindow & { length: number }>({ ...wholeText(text), length: text.length });

  /** Puts the window around `caret` into the field (or the whole text when it is small). */
  const show = (full: string, caret: number) => {
    const el = ref.current;
    if (!el) return;
    const w = full.length > largeAbove ? windowAround(full, caret) : wholeText(full);
    win.current = w;
    const slice = full.slice(w.start, w.end);
    el.value = slice;
    shown.current = el.value;
    exact.current = shown.current === slice;
    const at = Math.max(0, Math.min(caret - w.start, el.value.length));
    el.setSelectionRange(at, at);
    if (w.end - w.start < full.length) {
      // keep the caret in sight: the field scrolls to its start when its value is replaced
      el.scrollTop = Math.max(0, (el.scrollHeight * at) / Math.max(1, el.value.length) - el.clientHeight / 2);
    }
    setView({ ...w, length: full.length });
  };

  // text from elsewhere (a reload, a shared link, another panel) replaces what the field shows
  useEffect(() => {
    if (filled.current && text === known.current) return;
    if (text.length > largeAbove && text.includes('\r')) {
      // a field turns CRLF into LF; a windowed field must hold exactly the slice it was given
      onText(normalizeNewlines(text));
      return;
    }
    filled.current = true;
    known.current = text;
    show(text, Math.min(win.current.start, text.length));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new text from outside re-windows
  }, [text]);

  const commit = (next: string, edit: TextEdit | undefined) => {
    known.current = next;
    onText(next, edit);
  };

  const onInput = () => {
    const el = ref.current;
    if (!el) return;
    const value = el.value;
    const local = diffText(shown.current, value);
    if (!local) return;
    const w = win.current;
    const full = known.current;
    const next = full.slice(0, w.start) + value + full.slice(w.end);
    // without an exact field the store compares the texts itself
    const edit = exact.current ? { start: w.start + local.start, deleteCount: local.deleteCount, insert: local.insert } : undefined;
    win.current = { start: w.start, end: w.start + value.length };
    shown.current = value;
    exact.current = true;
    const caret = w.start + (el.selectionEnd ?? value.length);
    // a large text arrived in one go (a drop, a script), or the text crossed the size limit either
    // way: re-window now, before the browser lays the field out
    const wasLarge = full.length > largeAbove;
    const isLarge = next.length > largeAbove;
    if ((isLarge && value.length > 2 * WINDOW_CHARS) || wasLarge !== isLarge) show(next, caret);
    else setView({ ...win.current, length: next.length });
    commit(next, edit);
  };

  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const el = e.currentTarget;
    const pasted = e.clipboardData.getData('text/plain');
    const from = el.selectionStart;
    const to = el.selectionEnd;
    const full = known.current;
    if (full.length - (to - from) + pasted.length <= largeAbove) return; // the field's own paste (keeps undo)
    // inserting megabytes into the field would lay them all out: apply the paste to the text instead
    e.preventDefault();
    const edit = { start: win.current.start + from, deleteCount: to - from, insert: normalizeNewlines(pasted) };
    const wasExact = exact.current;
    const next = applyEdit(wasExact ? full : shown.current, edit);
    known.current = next;
    show(next, edit.start + edit.insert.length);
    commit(next, wasExact ? edit : undefined);
  };

  const goTo = (pos: number) => show(known.current, pos);

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (view.length <= largeAbove) return;
    const el = e.currentTarget;
    const w = win.current;
    const atStart = el.selectionStart === 0 && el.selectionEnd === 0;
    const atEnd = el.selectionStart === el.value.length;
    if ((e.ctrlKey || e.metaKey) && e.key === 'Home' && w.start > 0) goTo(0);
    else if ((e.ctrlKey || e.metaKey) && e.key === 'End' && w.end < known.current.length) goTo(known.current.length);
    else if (e.key === 'PageUp' && atStart && w.start > 0) goTo(w.start);
    else if (e.key === 'PageDown' && atEnd && w.end < known.current.length) goTo(w.end);
    else return;
    e.preventDefault();
  };

  const large = view.length > largeAbove;
  return (
    <div className="text-editor">
      <textarea
        ref={ref}
        id={id}
        data-testid={testId}
        data-window-start={view.start}
        data-window-end={view.end}
        data-text-length={view.length}
        spellCheck={false}
        rows={large ? 2 * rows : rows}
        onChange={onInput}
        onPaste={onPaste}
        onKeyDown={onKeyDown}
        aria-describedby={large ? hintId : undefined}
        placeholder={placeholder}
      />
      {large && (
        <div className="text-window" role="group" aria-label="Part of the text shown">
          <p id={hintId} className="muted" data-testid="text-window">
            Large text: the field shows characters {formatCount(view.start + 1)}–{formatCount(view.end)} of {formatCount(view.length)} (UTF-16 units) so typing stays
            instant; the whole text is {wholeTextIs}. Move with the slider, the buttons, Ctrl+Home / Ctrl+End, or Page Up / Page Down at the edges
            of the part.
          </p>
          <div className="row">
            <button type="button" onClick={() => goTo(Math.max(0, view.start - WINDOW_CHARS / 2))} disabled={view.start === 0}>
              ← Previous part
            </button>
            <input
              type="range"
              data-testid="text-window-position"
              aria-label="Position in the text"
              aria-valuetext={`character ${formatCount(view.start + 1)} of ${formatCount(view.length)}`}
              min={0}
              max={view.length}
              step={1}
              value={Math.round((view.start + view.end) / 2)}
              onChange={(e) => goTo(Number(e.target.value))}
            />
            <button type="button" onClick={() => goTo(view.end + WINDOW_CHARS / 2)} disabled={view.end >= view.length}>
              Next part →
            </button>
            {onShowTokens && (
              <button type="button" onClick={() => onShowTokens(view.start)} data-testid="text-window-tokens">
                Show the tokens of this part
              </button>
            )}
            <button
              type="button"
              onClick={() => {
                const edit = { start: 0, deleteCount: known.current.length, insert: '' };
                known.current = '';
                show('', 0);
                commit('', edit);
              }}
              data-testid="text-clear"
            >
              Clear all text
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
