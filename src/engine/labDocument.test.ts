import { describe, expect, it } from 'vitest';
import { LabDocument, StaleEditError } from './labDocument';
import { applyEdit } from './textEdit';
import { countText } from './textCounts';
import { mulberry32 } from './tokenizers/testCorpus';

const PIECES = [' ', '  ', '\n', 'a', 'word ', '🧩', '\uD83D', '\uDE00', '日本', '\u00A0', '\t', 'x y'];

describe('LabDocument', () => {
  it('applies edits and keeps the counts equal to counting the whole text', () => {
    const rand = mulberry32(5);
    const doc = new LabDocument();
    let text = 'Hello world 🧩 and\u00A0more  text\n';
    let lab = doc.apply(1, { text });
    expect(lab.counts).toEqual(countText(text));
    for (let id = 2; id < 600; id++) {
      const start = Math.floor(rand() * (text.length + 1));
      const deleteCount = Math.min(text.length - start, Math.floor(rand() * 4));
      let insert = '';
      for (let k = Math.floor(rand() * 3); k > 0; k--) insert += PIECES[Math.floor(rand() * PIECES.length)];
      const edit = { start, deleteCount, insert };
      const expected = text.slice(0, start) + insert + text.slice(start + deleteCount);
      lab = doc.apply(id, { baseRequestId: id - 1, edit });
      expect(lab.text).toBe(expected);
      expect(lab.counts, JSON.stringify({ text, edit })).toEqual(countText(expected));
      expect(lab.edit).toEqual({ ...edit, base: text });
      text = expected;
    }
  });

  it('refuses an edit whose base it does not hold', () => {
    const doc = new LabDocument();
    expect(() => doc.apply(1, { baseRequestId: 0, edit: { start: 0, deleteCount: 0, insert: 'a' } })).toThrow(StaleEditError);
    doc.apply(2, { text: 'abc' });
    expect(() => doc.apply(3, { baseRequestId: 1, edit: { start: 0, deleteCount: 0, insert: 'a' } })).toThrow(StaleEditError);
    expect(doc.apply(4, { baseRequestId: 2, edit: { start: 3, deleteCount: 0, insert: 'd' } }).text).toBe('abcd');
    doc.reset();
    expect(() => doc.apply(5, { baseRequestId: 4, edit: { start: 0, deleteCount: 0, insert: '' } })).toThrow(StaleEditError);
  });

  it('rejects an edit outside the text', () => {
    expect(() => applyEdit('abc', { start: 2, deleteCount: 2, insert: '' })).toThrow(RangeError);
  });
});
