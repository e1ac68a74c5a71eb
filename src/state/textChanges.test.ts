import { describe, expect, it } from 'vitest';
import { composeChange, diffText, normalizeNewlines, spanToEdit, type ChangedSpan } from './textChanges';
import { applyEdit } from '../engine/textEdit';
import { mulberry32 } from '../engine/tokenizers/testCorpus';

describe('text changes', () => {
  it('diffText gives the single edit between two texts', () => {
    expect(diffText('abc', 'abc')).toBeNull();
    expect(diffText('abc', 'abXc')).toEqual({ start: 2, deleteCount: 0, insert: 'X' });
    expect(diffText('hello world', 'hello')).toEqual({ start: 5, deleteCount: 6, insert: '' });
    expect(diffText('aaa', 'aaaa')).toEqual({ start: 3, deleteCount: 0, insert: 'a' });
  });

  it('composed edits, applied to the base at once, give the same text as one by one', () => {
    const rand = mulberry32(11);
    for (let trial = 0; trial < 300; trial++) {
      const base = 'The quick brown fox jumps over the lazy dog.'.slice(0, Math.floor(rand() * 44));
      let text = base;
      let span: ChangedSpan | null = null;
      for (let k = 1 + Math.floor(rand() * 6); k > 0; k--) {
        const start = Math.floor(rand() * (text.length + 1));
        const deleteCount = Math.min(text.length - start, Math.floor(rand() * 5));
        const insert = 'xyz'.slice(0, Math.floor(rand() * 4));
        const edit = { start, deleteCount, insert };
        text = applyEdit(text, edit);
        span = composeChange(span, edit);
      }
      expect(applyEdit(base, spanToEdit(span!, text)), JSON.stringify({ base, text, span })).toBe(text);
    }
  });

  it('newlines are normalised the way a text field does', () => {
    expect(normalizeNewlines('a\r\nb\rc\n')).toBe('a\nb\nc\n');
    expect(normalizeNewlines('plain')).toBe('plain');
  });
});
