import { describe, expect, it } from 'vitest';
import { pieceRuns, piecesOf, type Piece } from './templatePieces';

/** The pieces of the whole text in one go: the reference the runs must add up to. */
function allPieces(text: string, offsets: number[]): Piece[] {
  const out: Piece[] = [];
  let pos = 0;
  for (let t = 0; t < offsets.length / 2; t++) {
    const end = offsets[2 * t + 1];
    if (end <= pos) continue;
    out.push({ token: t, text: text.slice(pos, end) });
    pos = end;
  }
  if (pos < text.length) out.push({ token: -1, text: text.slice(pos) });
  return out;
}

/** Tokens of 1–4 characters over `text`, some of them ending inside the one before (as byte-level tokens of one character do). */
function tokensOf(text: string, seed: number): number[] {
  const offsets: number[] = [];
  let pos = 0;
  let s = seed;
  while (pos < text.length) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (s % 4);
    offsets.push(pos, Math.min(text.length, pos + n));
    if (s % 5 === 0) offsets.push(pos, pos + 1); // ends inside the token before: adds no piece
    pos += n;
  }
  return offsets;
}

function runsOf(text: string, offsets: number[], size: number): Piece[][] {
  const tokens = offsets.length / 2;
  const runs = pieceRuns(text, offsets, tokens, size);
  return runs.map((r, k) => piecesOf(text, offsets, tokens, r, runs[k + 1]));
}

describe('the rendered template, a run of pieces at a time', () => {
  const text = Array.from({ length: 400 }, (_, i) => `<|im_start|>user\nMessage ${i} of a long chat.<|im_end|>\n`).join('') + 'tail after the last token';

  it('the runs hold every piece once, in order, and together make the whole text', () => {
    for (const seed of [1, 2, 3]) {
      const offsets = tokensOf(text, seed).slice(0, -10); // the last tokens missing: the rest is one last piece
      const runs = runsOf(text, offsets, 50);
      expect(runs.flat()).toEqual(allPieces(text, offsets));
      expect(runs.flat().map((p) => p.text).join('')).toBe(text);
      expect(runs.length).toBeGreaterThan(10);
    }
  });

  it('a run ends at the first line end after its size, or at twice its size without one', () => {
    const offsets = tokensOf(text, 7);
    for (const run of runsOf(text, offsets, 50).slice(0, -1)) {
      expect(run.length).toBeGreaterThanOrEqual(50);
      expect(run.length).toBeLessThanOrEqual(100);
      if (run.length < 100) expect(run[run.length - 1].text.endsWith('\n')).toBe(true);
    }
    const noLines = 'x'.repeat(1000);
    expect(runsOf(noLines, tokensOf(noLines, 3), 50).slice(0, -1).every((r) => r.length === 100)).toBe(true);
  });

  it('a short template is one run; text past the last token is its last piece', () => {
    expect(runsOf('Hi there', [0, 2, 2, 5], 400)).toEqual([[{ token: 0, text: 'Hi' }, { token: 1, text: ' th' }, { token: -1, text: 'ere' }]]);
    expect(runsOf('', [], 400)).toEqual([[]]);
  });

  it('a run never starts with nothing in it (a cut right before the text ends adds no empty run)', () => {
    const t = 'ab\n';
    expect(runsOf(t, [0, 1, 1, 2, 2, 3], 1)).toEqual([
      [
        { token: 0, text: 'a' },
        { token: 1, text: 'b' },
      ],
      [{ token: 2, text: '\n' }],
    ]);
  });
});
