/**
 * Lazily sorted order of a vocabulary-sized array, largest first (ties: lower index first).
 *
 * Sampling filters only ever look at the head of the distribution, so sorting 262k logits on every slider move
 * would waste most of the work. `ensure(m)` makes the first m entries of the order available, using a bounded
 * min-heap selection (O(V log m), close to O(V) on real logits since few values beat the heap's minimum) and a
 * sort of just those m entries. Requests grow geometrically, so walking the whole order costs O(V log V) at worst.
 */
export class DescendingOrder {
  private readonly values: Float32Array;
  private ids: Int32Array = new Int32Array(0);

  constructor(values: Float32Array) {
    this.values = values;
  }

  /** How many entries of the order are available now. */
  get available(): number {
    return this.ids.length;
  }

  get size(): number {
    return this.values.length;
  }

  /** The id at position `rank` of the order; call `ensure(rank + 1)` first. */
  at(rank: number): number {
    return this.ids[rank];
  }

  /** The ids available so far, in order (a view; do not modify). */
  prefix(): Int32Array {
    return this.ids;
  }

  /** Make at least the first `m` entries (capped at the vocabulary size) available. */
  ensure(m: number): void {
    const n = this.values.length;
    const want = Math.min(n, m);
    if (want <= this.ids.length) return;
    const target = Math.min(n, Math.max(want, this.ids.length * 4, 64));
    // Past ~V/16 a heap selection costs about as much as sorting everything (measured at 262k), so sort all.
    this.ids = target * 16 >= n ? sortAll(this.values) : selectTop(this.values, target);
  }
}

/** True if (va, a) comes before (vb, b) in the order: larger value first, then lower id. */
function before(va: number, a: number, vb: number, b: number): boolean {
  return va > vb || (va === vb && a < b);
}

function sortAll(values: Float32Array): Int32Array {
  const ids = new Int32Array(values.length);
  for (let i = 0; i < ids.length; i++) ids[i] = i;
  sortIds(values, ids);
  return ids;
}

const ID_BITS = 2 ** 21;
const bitsView = new DataView(new ArrayBuffer(4));

/**
 * Sort ids in place by (value descending, id ascending). Each pair is packed into one exactly representable
 * float64 key — the float32's bits made order-preserving (32 bits) above the id (21 bits) — so the sort is the
 * engine's native numeric sort instead of a comparator callback (about 5× faster on 262k entries).
 */
function sortIds(values: Float32Array, ids: Int32Array): void {
  if (values.length > ID_BITS) {
    ids.sort((a, b) => values[b] - values[a] || a - b);
    return;
  }
  const keys = new Float64Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    const v = values[id];
    bitsView.setFloat32(0, v === 0 ? 0 : v); // -0 ties with 0, as in the comparisons above
    const bits = bitsView.getUint32(0);
    // Ascending unsigned order of `ordered` = ascending float order; invert it for descending.
    const ordered = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
    keys[i] = (0xffffffff - ordered) * ID_BITS + id;
  }
  keys.sort();
  for (let i = 0; i < ids.length; i++) ids[i] = keys[i] % ID_BITS;
}

/** The first m ids of the order, sorted. A min-heap (root = the entry that comes last) holds the best m so far. */
function selectTop(values: Float32Array, m: number): Int32Array {
  const heap = new Int32Array(m);
  const n = values.length;
  for (let i = 0; i < m; i++) {
    heap[i] = i;
    siftUp(heap, values, i);
  }
  // the root's value is kept in a local: most entries fall below it, and this loop runs over the whole vocabulary
  let root = heap[0];
  let rootValue = values[root];
  for (let i = m; i < n; i++) {
    const v = values[i];
    if (v > rootValue || (v === rootValue && i < root)) {
      heap[0] = i;
      siftDown(heap, values, m);
      root = heap[0];
      rootValue = values[root];
    }
  }
  sortIds(values, heap);
  return heap;
}

/** Heap order: a parent comes after its children in the descending order (it is the "worst"). */
function siftUp(heap: Int32Array, values: Float32Array, pos: number): void {
  const id = heap[pos];
  const v = values[id];
  while (pos > 0) {
    const parent = (pos - 1) >> 1;
    const pid = heap[parent];
    if (!before(values[pid], pid, v, id)) break;
    heap[pos] = pid;
    pos = parent;
  }
  heap[pos] = id;
}

function siftDown(heap: Int32Array, values: Float32Array, size: number): void {
  let pos = 0;
  const id = heap[0];
  const v = values[id];
  for (;;) {
    const left = 2 * pos + 1;
    if (left >= size) break;
    let worst = left;
    const right = left + 1;
    if (right < size && before(values[heap[left]], heap[left], values[heap[right]], heap[right])) worst = right;
    const wid = heap[worst];
    if (!before(v, id, values[wid], wid)) break;
    heap[pos] = wid;
    pos = worst;
  }
  heap[pos] = id;
}
