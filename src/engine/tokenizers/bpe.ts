/**
 * The BPE merge loop over integer symbols. Semantics match both references:
 * repeatedly merge the adjacent pair with the lowest rank, leftmost first on ties
 * (tiktoken's byte_pair_merge and the heap-based BPE of Transformers.js / HF tokenizers).
 * Symbols with a negative id (characters outside the vocabulary) never merge.
 */
import type { MergeTable } from './mergeTable';

const POS_SCALE = 2 ** 24; // positions < 16M symbols; rank * POS_SCALE + pos stays an exact double

let next = new Int32Array(1024);
let prev = new Int32Array(1024);
let heap = new Float64Array(1024);

function ensure(n: number): void {
  if (next.length >= n) return;
  let cap = next.length;
  while (cap < n) cap *= 2;
  next = new Int32Array(cap);
  prev = new Int32Array(cap);
}

/**
 * Merges `sym[0..n)` in place. On return, `sym[i]` is the id of the final token starting at
 * symbol i, or -2147483648 where symbol i was absorbed into a token on its left.
 */
export function bpeMerge(sym: Int32Array, n: number, table: MergeTable): void {
  if (n < 2) return;
  if (n <= 24) {
    smallMerge(sym, n, table);
    return;
  }
  heapMerge(sym, n, table);
}

export const ABSORBED = -2147483648;

const smallIds = new Int32Array(32);
const smallStarts = new Int32Array(32);

function smallMerge(sym: Int32Array, n: number, table: MergeTable): void {
  // O(n^2) scan over a compact list, like tiktoken; fastest for short words.
  const ids = smallIds;
  const starts = smallStarts;
  for (let i = 0; i < n; i++) {
    ids[i] = sym[i];
    starts[i] = i;
  }
  let len = n;
  for (;;) {
    let best = -1;
    let bestRank = 2147483647;
    for (let i = 0; i < len - 1; i++) {
      const a = ids[i];
      const b = ids[i + 1];
      if (a < 0 || b < 0) continue;
      const slot = table.find(a, b);
      if (slot >= 0) {
        const r = table.rankAt(slot);
        if (r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
    }
    if (best < 0) break;
    ids[best] = table.mergedAt(table.find(ids[best], ids[best + 1]));
    for (let k = best + 1; k < len - 1; k++) {
      ids[k] = ids[k + 1];
      starts[k] = starts[k + 1];
    }
    len--;
  }
  sym.fill(ABSORBED, 0, n);
  for (let i = 0; i < len; i++) sym[starts[i]] = ids[i];
}

function heapMerge(sym: Int32Array, n: number, table: MergeTable): void {
  ensure(n);
  if (heap.length < n) heap = new Float64Array(Math.max(n, heap.length * 2));
  let size = 0;
  const push = (key: number): void => {
    if (size === heap.length) {
      const h = new Float64Array(heap.length * 2);
      h.set(heap);
      heap = h;
    }
    let i = size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p] <= key) break;
      heap[i] = heap[p];
      i = p;
    }
    heap[i] = key;
  };
  const pop = (): number => {
    const top = heap[0];
    const last = heap[--size];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      if (c + 1 < size && heap[c + 1] < heap[c]) c++;
      if (heap[c] >= last) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = last;
    return top;
  };
  const consider = (i: number): void => {
    const j = next[i];
    if (j < 0) return;
    const a = sym[i];
    const b = sym[j];
    if (a < 0 || b < 0) return;
    const slot = table.find(a, b);
    if (slot >= 0) push(table.rankAt(slot) * POS_SCALE + i);
  };
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  for (let i = 0; i < n - 1; i++) consider(i);
  while (size > 0) {
    const key = pop();
    const rank = Math.floor(key / POS_SCALE);
    const i = key - rank * POS_SCALE;
    const a = sym[i];
    if (a === ABSORBED) continue;
    const j = next[i];
    if (j < 0) continue;
    const b = sym[j];
    if (a < 0 || b < 0) continue;
    const slot = table.find(a, b);
    if (slot < 0 || table.rankAt(slot) !== rank) continue; // stale entry
    sym[i] = table.mergedAt(slot);
    sym[j] = ABSORBED;
    const k = next[j];
    next[i] = k;
    if (k >= 0) prev[k] = i;
    if (prev[i] >= 0) consider(prev[i]);
    consider(i);
  }
}
