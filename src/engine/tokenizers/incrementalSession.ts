/**
 * Incremental re-tokenization: after an edit, only the region between the nearest proven split
 * points around the change is re-encoded; the old tokens on both sides are spliced back in.
 * Exact by construction: a split point cuts the text into parts that encode independently,
 * so the result is the same as encoding the whole new text (checked by property tests).
 */
import type { Encoding, SessionEdit, SessionUpdate, TokenizerSession } from './types';
import { TokenSink } from './tokenSink';
import { commonEnds } from '../textEdit';
import { contentOf, spliceable, spliceInPlace, type Spliceable } from '../tokenSplice';

export interface RangeEncoding {
  isSplitPoint(text: string, i: number, special: boolean): boolean;
  encodeRange(text: string, from: number, to: number, special: boolean, sink: TokenSink): void;
  template(special: boolean): { prefix: number[]; suffix: number[] };
}

/** Encodes the whole text, template tokens included unless `template` is false. */
export function encodeWhole(enc: RangeEncoding, text: string, special: boolean, template = true): { ids: Uint32Array; offsets: Uint32Array } {
  // about one token per 4 UTF-16 units in prose; more in code or CJK (the sink grows then)
  const sink = new TokenSink(Math.max(1024, text.length >> 2));
  const { prefix, suffix } = template ? enc.template(special) : { prefix: [], suffix: [] };
  for (const id of prefix) sink.push(id, 0, 0);
  enc.encodeRange(text, 0, text.length, special, sink);
  for (const id of suffix) sink.push(id, text.length, text.length);
  return sink.finish();
}

/** A sink holding given tokens (an encoding made elsewhere). */
function sinkOf(e: Encoding): TokenSink {
  const sink = new TokenSink(0);
  sink.ids = e.ids;
  sink.offsets = e.offsets;
  sink.length = e.ids.length;
  return sink;
}

/** First index in [lo, hi) whose token start is >= pos. */
function firstStartAtOrAfter(offsets: Uint32Array, lo: number, hi: number, pos: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[2 * mid] < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function createIncrementalSession(enc: RangeEncoding, special: boolean): Required<TokenizerSession> {
  let text: string | null = null;
  // spliced in place by each edit (tokenSplice.ts): the arrays an update returns are valid until the next update
  let ids: Spliceable<Uint32Array> = spliceable(new Uint32Array(0));
  let offsets: Spliceable<Uint32Array> = spliceable(new Uint32Array(0));
  const { prefix, suffix } = enc.template(special);

  /** Where the change is, and the split points around it: the range to re-encode. */
  type Plan = { from: number; to: number; unchanged: boolean };
  /** rangeOf's answer, reused by the update that follows it (no second scan of a megabyte) */
  let planned: { base: string | null; next: string; edit?: SessionEdit; plan: Plan } | null = null;
  function plan(next: string, edit?: SessionEdit): Plan {
    if (planned && planned.base === text && planned.next === next && planned.edit === edit) return planned.plan;
    const result = findPlan(next, edit);
    planned = { base: text, next, edit, plan: result };
    return result;
  }

  function findPlan(next: string, edit?: SessionEdit): Plan {
    if (text === null) return { from: 0, to: next.length, unchanged: false };
    const old = text;
    // the changed region [p, length - s): given by the edit when it applies to this session's
    // text (no scan of a megabyte per keystroke), found by comparing the texts otherwise
    let p = 0;
    let s = 0;
    if (edit && edit.base === old) {
      p = edit.start;
      s = old.length - edit.start - edit.deleteCount;
    } else {
      ({ prefix: p, suffix: s } = commonEnds(old, next));
    }
    if (p === old.length && p === next.length) return { from: p, to: p, unchanged: true };
    const newEnd = next.length - s;
    let from = 0;
    for (let i = p - 1; i >= 1; i--) {
      if (enc.isSplitPoint(next, i, special)) {
        from = i;
        break;
      }
    }
    let to = next.length;
    for (let i = Math.max(newEnd + 1, from + 1); i < next.length; i++) {
      if (enc.isSplitPoint(next, i, special)) {
        to = i;
        break;
      }
    }
    return { from, to, unchanged: false };
  }

  return {
    rangeOf(next: string, edit?: SessionEdit): [number, number] {
      const { from, to } = plan(next, edit);
      return [from, to];
    },

    update(next: string, edit?: SessionEdit, middle?: Encoding): SessionUpdate {
      const { from, to, unchanged } = plan(next, edit);
      if (text === null) {
        let whole: { ids: Uint32Array; offsets: Uint32Array };
        if (middle) {
          const sink = new TokenSink(middle.ids.length + prefix.length + suffix.length);
          for (const id of prefix) sink.push(id, 0, 0);
          for (let k = 0; k < middle.ids.length; k++) sink.push(middle.ids[k], middle.offsets[2 * k], middle.offsets[2 * k + 1]);
          for (const id of suffix) sink.push(id, next.length, next.length);
          whole = sink.finish();
        } else whole = encodeWhole(enc, next, special);
        text = next;
        ids = spliceable(whole.ids);
        offsets = spliceable(whole.offsets);
        return { ids: whole.ids, offsets: whole.offsets, reencodedFrom: 0, reencodedTo: next.length };
      }
      if (unchanged) return { ids: contentOf(ids), offsets: contentOf(offsets), reencodedFrom: from, reencodedTo: from, kept: { before: ids.length, after: 0 } };
      const delta = next.length - text.length;
      const oldTo = to - delta;
      const bodyEnd = ids.length - suffix.length;
      const a = firstStartAtOrAfter(offsets.data, prefix.length, bodyEnd, from);
      const b = to === next.length ? bodyEnd : firstStartAtOrAfter(offsets.data, a, bodyEnd, oldTo);

      let mid: TokenSink;
      if (middle) mid = sinkOf(middle);
      else {
        // sized as encodeWhole sizes a text: a re-encode of the whole text then grows no buffer
        mid = new TokenSink(Math.max(1024, (to - from) >> 2));
        enc.encodeRange(next, from, to, special, mid);
      }
      const kept = { before: a, after: ids.length - b };
      spliceInPlace(ids, a, b - a, mid.ids.subarray(0, mid.length));
      spliceInPlace(offsets, 2 * a, 2 * (b - a), mid.offsets.subarray(0, 2 * mid.length), 0, delta);
      text = next;
      return { ids: contentOf(ids), offsets: contentOf(offsets), reencodedFrom: from, reencodedTo: to, kept };
    },
  };
}
