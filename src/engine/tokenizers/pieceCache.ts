/**
 * The per-piece cache of a full encode, read without making the piece a string: a megabyte of text is about 250,000
 * pieces, and slicing each out of the text, hashing that new string and comparing it in a Map was most of the
 * encoder's own time (and much of its garbage). Here a piece is the units s[i, j) of the text, hashed and compared in
 * place; only a piece that is not cached yet is copied, into one flat array of units.
 */
export class PieceCache {
  /** per slot: entry index + 1 (0: empty) */
  private slots: Int32Array;
  private mask: number;
  /** per entry: the hash, and where its units start in `units` and how many */
  private hashes: Int32Array;
  private starts: Int32Array;
  private lengths: Int32Array;
  private values: Int32Array[] = [];
  private units: Uint16Array;
  private used = 0;
  size = 0;

  /** `limit`: entries kept; the cache empties itself when it is full (as the Map before it did). It grows as it fills. */
  constructor(readonly limit: number) {
    this.slots = new Int32Array(1024);
    this.mask = 1023;
    this.hashes = new Int32Array(512);
    this.starts = new Int32Array(512);
    this.lengths = new Int32Array(512);
    this.units = new Uint16Array(4096);
  }

  /** The value stored for the units s[i, j), or undefined. */
  get(s: string, i: number, j: number): Int32Array | undefined {
    const h = hashUnits(s, i, j);
    const len = j - i;
    const { slots, mask, hashes, starts, lengths, units } = this;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = slots[slot] - 1;
      if (e < 0) return undefined;
      if (hashes[e] !== h || lengths[e] !== len) continue;
      const at = starts[e];
      let k = 0;
      while (k < len && units[at + k] === s.charCodeAt(i + k)) k++;
      if (k === len) return this.values[e];
    }
  }

  /** Stores `value` for the units s[i, j), which must not be stored yet. */
  set(s: string, i: number, j: number, value: Int32Array): void {
    if (this.size >= this.limit) this.clear();
    const len = j - i;
    if (this.used + len > this.units.length) {
      const grown = new Uint16Array(Math.max(this.units.length * 2, this.used + len));
      grown.set(this.units.subarray(0, this.used));
      this.units = grown;
    }
    for (let k = 0; k < len; k++) this.units[this.used + k] = s.charCodeAt(i + k);
    const h = hashUnits(s, i, j);
    if (this.size === this.hashes.length) this.growEntries();
    if (2 * (this.size + 1) > this.slots.length) this.growSlots();
    const e = this.size++;
    this.hashes[e] = h;
    this.starts[e] = this.used;
    this.lengths[e] = len;
    this.values[e] = value;
    this.used += len;
    let slot = h & this.mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = e + 1;
  }

  private growEntries(): void {
    const grow = (a: Int32Array) => {
      const b = new Int32Array(Math.min(this.limit, a.length * 2));
      b.set(a);
      return b;
    };
    this.hashes = grow(this.hashes);
    this.starts = grow(this.starts);
    this.lengths = grow(this.lengths);
  }

  /** Twice the slots, every entry placed again by its hash. */
  private growSlots(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let e = 0; e < this.size; e++) {
      let slot = this.hashes[e] & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = e + 1;
    }
  }

  clear(): void {
    this.slots.fill(0);
    this.values = [];
    this.used = 0;
    this.size = 0;
  }
}

/** FNV-1a over the units, then mixed so that the low bits (the slot) depend on every unit. */
function hashUnits(s: string, i: number, j: number): number {
  let h = 0x811c9dc5 | 0;
  for (let k = i; k < j; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h;
}
