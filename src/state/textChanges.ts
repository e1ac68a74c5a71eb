/**
 * Edits of the lab's text, so that a keystroke in a megabyte of text crosses to the worker as one
 * small edit. Pure functions; UTF-16 offsets throughout.
 */
import type { TextEdit } from '../engine/protocol';
import { commonEnds } from '../engine/textEdit';

/** The region where two texts differ: `[start, oldEnd)` of the old text became `[start, newEnd)` of the new. */
export interface ChangedSpan {
  start: number;
  oldEnd: number;
  newEnd: number;
}

export const NO_EDIT: TextEdit = { start: 0, deleteCount: 0, insert: '' };

/** The smallest single replacement that turns `before` into `after` (null when they are equal). */
export function diffText(before: string, after: string): TextEdit | null {
  if (before === after) return null;
  const { prefix, suffix } = commonEnds(before, after);
  return { start: prefix, deleteCount: before.length - prefix - suffix, insert: after.slice(prefix, after.length - suffix) };
}

/** Adds `edit` (in the coordinates of the current text) to the span by which the current text differs from a base. */
export function composeChange(span: ChangedSpan | null, edit: TextEdit): ChangedSpan {
  const editEnd = edit.start + edit.deleteCount;
  const grow = edit.insert.length - edit.deleteCount;
  if (!span) return { start: edit.start, oldEnd: editEnd, newEnd: edit.start + edit.insert.length };
  // the base's unchanged suffix now starts after both the old span and the edit
  const suffixAt = Math.max(span.newEnd, editEnd);
  return { start: Math.min(span.start, edit.start), oldEnd: span.oldEnd + (suffixAt - span.newEnd), newEnd: suffixAt + grow };
}

/** The span as one edit of the base text, with the inserted part read from the current text. */
export function spanToEdit(span: ChangedSpan, current: string): TextEdit {
  return { start: span.start, deleteCount: span.oldEnd - span.start, insert: current.slice(span.start, span.newEnd) };
}

/** What a browser text field holds for a text: CRLF and lone CR become LF. */
export function normalizeNewlines(text: string): string {
  return text.indexOf('\r') < 0 ? text : text.replace(/\r\n?/g, '\n');
}
