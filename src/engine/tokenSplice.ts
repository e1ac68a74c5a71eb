/**
 * Applies a tokenize answer's splice (protocol.ts `TokenSplice`) to the tokens of the request it was based on.
 * Dependency-free: the UI's store rebuilds its tokens with it, and the tests check it against encoding whole.
 */
import type { TokenizedPayload, TokenSplice } from './protocol';

export function applyTokenSplice(base: TokenizedPayload, splice: TokenSplice): TokenizedPayload {
  const { keptBefore: a, keptAfter: k, offsetDelta, middle: m } = splice;
  const baseN = base.ids.length;
  if (a < 0 || k < 0 || a + k > baseN) throw new RangeError(`a splice keeping ${a} + ${k} tokens does not fit ${baseN} tokens`);
  const mn = m.ids.length;
  const n = a + mn + k;
  const tail = baseN - k;

  const ids = new Uint32Array(n);
  ids.set(base.ids.subarray(0, a), 0);
  ids.set(m.ids, a);
  ids.set(base.ids.subarray(tail), a + mn);

  const offsets = new Uint32Array(2 * n);
  offsets.set(base.offsets.subarray(0, 2 * a), 0);
  offsets.set(m.offsets, 2 * a);
  for (let i = 2 * tail, o = 2 * (a + mn); i < 2 * baseN; i++, o++) offsets[o] = base.offsets[i] + offsetDelta;

  const prefixBytes = a === 0 ? 0 : base.byteEnds[a - 1];
  const middleEnd = prefixBytes + m.bytes.length;
  const tailStart = tail === 0 ? 0 : base.byteEnds[tail - 1];
  const bytes = new Uint8Array(middleEnd + base.bytes.length - tailStart);
  bytes.set(base.bytes.subarray(0, prefixBytes), 0);
  bytes.set(m.bytes, prefixBytes);
  bytes.set(base.bytes.subarray(tailStart), middleEnd);

  const byteEnds = new Uint32Array(n);
  byteEnds.set(base.byteEnds.subarray(0, a), 0);
  for (let i = 0; i < mn; i++) byteEnds[a + i] = m.byteEnds[i] + prefixBytes;
  const byteDelta = middleEnd - tailStart;
  for (let i = tail, o = a + mn; i < baseN; i++, o++) byteEnds[o] = base.byteEnds[i] + byteDelta;

  const special = new Uint8Array(n);
  special.set(base.special.subarray(0, a), 0);
  special.set(m.special, a);
  special.set(base.special.subarray(tail), a + mn);
  return { ids, offsets, byteEnds, bytes, special };
}
