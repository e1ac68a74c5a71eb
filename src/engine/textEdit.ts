/**
 * Pure helpers on text edits, shared by the UI's editor, the store's edit composition, the worker's
 * lab document and the incremental tokenizer sessions. UTF-16 offsets throughout.
 */
import type { TextEdit } from './protocol';

/** Lengths of the common start and the common end (not overlapping it) of two texts. */
export function commonEnds(before: string, after: string): { prefix: number; suffix: number } {
  const min = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < min && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < min - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  return { prefix, suffix };
}

export function applyEdit(text: string, edit: TextEdit): string {
  if (edit.start < 0 || edit.deleteCount < 0 || edit.start + edit.deleteCount > text.length) {
    throw new RangeError(`edit [${edit.start}, ${edit.start + edit.deleteCount}) is outside a text of ${text.length} units`);
  }
  return text.slice(0, edit.start) + edit.insert + text.slice(edit.start + edit.deleteCount);
}
