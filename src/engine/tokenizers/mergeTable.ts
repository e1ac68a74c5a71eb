/**
 * Open-addressing hash table from a symbol pair (left id, right id) to the merge's
 * rank and the id of the merged symbol. Typed arrays only: this is the hot lookup of BPE.
 */
export class MergeTable {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private ranks: Int32Array;
  private merged: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.ranks = new Int32Array(cap);
    this.merged = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private slot(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h & this.mask;
  }

  /** Adds the pair; a later entry for the same pair replaces the earlier one (as a JS Map of merges does). */
  add(a: number, b: number, rank: number, mergedId: number): void {
    if ((this.size + 1) * 2 > this.keysA.length) this.grow();
    let i = this.slot(a, b);
    for (;;) {
      const ka = this.keysA[i];
      if (ka === -1) break;
      if (ka === a && this.keysB[i] === b) {
        this.ranks[i] = rank;
        this.merged[i] = mergedId;
        return;
      }
      i = (i + 1) & this.mask;
    }
    this.keysA[i] = a;
    this.keysB[i] = b;
    this.ranks[i] = rank;
    this.merged[i] = mergedId;
    this.size++;
  }

  /** Index of the entry for (a, b), or -1. Read rank/merged with rankAt/mergedAt. */
  find(a: number, b: number): number {
    let i = this.slot(a, b);
    for (;;) {
      const ka = this.keysA[i];
      if (ka === -1) return -1;
      if (ka === a && this.keysB[i] === b) return i;
      i = (i + 1) & this.mask;
    }
  }

  rankAt(slot: number): number {
    return this.ranks[slot];
  }

  mergedAt(slot: number): number {
    return this.merged[slot];
  }

  private grow(): void {
    const { keysA, keysB, ranks, merged } = this;
    const cap = keysA.length * 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.ranks = new Int32Array(cap);
    this.merged = new Int32Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < keysA.length; i++) if (keysA[i] !== -1) this.add(keysA[i], keysB[i], ranks[i], merged[i]);
  }
}

/** rank stored for a pair known NOT to merge (a lookup of it answers -1, as for an absent pair) */
const NO_MERGE = -1;

/**
 * A merge table that learns its pairs on first use: `mergeOf(a, b)` says whether the two symbols join into a token
 * (its id, which is its rank, as in tiktoken) or not (-1). The answer is remembered either way. A vocabulary of 200k
 * tokens has over a million (prefix, suffix) pairs to try up front, seconds of start-up; a text meets a small part
 * of them, so they are found as the encoder meets them. Same answers as the table built up front.
 */
export class LearnedMergeTable extends MergeTable {
  constructor(
    expected: number,
    private readonly mergeOf: (a: number, b: number) => number,
  ) {
    super(expected);
  }

  override find(a: number, b: number): number {
    let slot = super.find(a, b);
    if (slot < 0) {
      const merged = this.mergeOf(a, b);
      this.add(a, b, merged < 0 ? NO_MERGE : merged, merged);
      slot = super.find(a, b);
    }
    return this.rankAt(slot) === NO_MERGE ? -1 : slot;
  }
}
