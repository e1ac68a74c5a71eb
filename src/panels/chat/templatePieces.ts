/**
 * The rendered template as coloured pieces, one per token, cut into runs that are drawn one per task (a 3,000-message
 * conversation is some 100,000 tokens). Only where each run starts is computed up front, in one pass over the token
 * offsets without building anything per token (building every piece at once was a 40 ms task of its own); a run's
 * pieces are made when it is drawn.
 */
import { endsPart } from '../../components/drawnInSteps';

/** Where a run of pieces starts: its first token, and the text position its first piece starts at. */
export interface PieceRun {
  token: number;
  pos: number;
}

/** One piece of the text: the text a token adds (from where the text covered so far ends to the token's end). */
export interface Piece {
  /** the token's index; -1 for text after the last token */
  token: number;
  text: string;
}

/**
 * Runs of about `size` pieces, cut by the rule of drawnInSteps' parts (`endsPart`): at the first piece after `size`
 * that ends a line (so that a run drawn as its own block breaks where the text does), or after twice `size` pieces. A token that ends
 * inside text already covered adds no piece; text after the last token is a last piece.
 */
export function pieceRuns(text: string, offsets: ArrayLike<number>, tokens: number, size: number): PieceRun[] {
  const runs: PieceRun[] = [{ token: 0, pos: 0 }];
  let pos = 0;
  let n = 0;
  let cut = false;
  for (let t = 0; t < tokens; t++) {
    const end = offsets[2 * t + 1];
    if (end <= pos) continue;
    if (cut) runs.push({ token: t, pos });
    cut = false;
    pos = end;
    n++;
    if (endsPart(n, size, () => text.charCodeAt(end - 1) === 10)) {
      cut = true;
      n = 0;
    }
  }
  if (cut && pos < text.length) runs.push({ token: tokens, pos });
  return runs;
}

/** The pieces of the run that starts at `from` and ends where `to` starts (the last run, without `to`, ends the text). */
export function piecesOf(text: string, offsets: ArrayLike<number>, tokens: number, from: PieceRun, to?: PieceRun): Piece[] {
  const out: Piece[] = [];
  let pos = from.pos;
  const last = to ? to.token : tokens;
  for (let t = from.token; t < last; t++) {
    const end = offsets[2 * t + 1];
    if (end <= pos) continue;
    out.push({ token: t, text: text.slice(pos, end) });
    pos = end;
  }
  if (!to && pos < text.length) out.push({ token: -1, text: text.slice(pos) });
  return out;
}
