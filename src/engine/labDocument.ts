/**
 * The tokenizer lab's text as the worker holds it. The UI sends the whole text once, then only edits
 * (a keystroke in a megabyte of text sends one character), and the counts follow each edit locally.
 */
import type { TextChange, TextEdit } from './protocol';
import { countAfterEdit, countText, type TextCounts } from './textCounts';
import { applyEdit } from './textEdit';

export class StaleEditError extends Error {
  constructor(baseRequestId: number, held: number | null) {
    super(`The edit is based on request ${baseRequestId}, but the worker holds the text of ${held === null ? 'no request' : `request ${held}`}.`);
  }
}

export interface LabText {
  text: string;
  counts: TextCounts;
  /** the edit that produced this text from the previous one, and that text (for incremental tokenizing) */
  edit?: TextEdit & { base: string };
}

export class LabDocument {
  private requestId: number | null = null;
  private current: LabText | null = null;

  /** Applies the change of request `requestId`; throws StaleEditError when an edit's base is not held. */
  apply(requestId: number, change: TextChange): LabText {
    let next: LabText;
    if ('text' in change) {
      next = { text: change.text, counts: countText(change.text) };
    } else {
      const base = this.current;
      if (!base || this.requestId !== change.baseRequestId) throw new StaleEditError(change.baseRequestId, this.requestId);
      const text = applyEdit(base.text, change.edit);
      next = { text, counts: countAfterEdit(base.text, base.counts, change.edit, text), edit: { ...change.edit, base: base.text } };
    }
    this.requestId = requestId;
    this.current = next;
    return next;
  }

  /** Forgets the text (the next request must carry it whole). */
  reset(): void {
    this.requestId = null;
    this.current = null;
  }
}
