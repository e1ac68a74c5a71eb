/** Growable output buffers for token ids and [start, end) offsets. */
export class TokenSink {
  ids: Uint32Array;
  offsets: Uint32Array;
  length = 0;

  /** `capacity`: the tokens expected (a whole encode guesses from the text's length, saving the regrowth copies) */
  constructor(capacity = 1024) {
    this.ids = new Uint32Array(capacity);
    this.offsets = new Uint32Array(2 * capacity);
  }

  push(id: number, start: number, end: number): void {
    if (this.length === this.ids.length) this.grow(this.length * 2);
    const n = this.length++;
    this.ids[n] = id;
    this.offsets[2 * n] = start;
    this.offsets[2 * n + 1] = end;
  }

  grow(cap: number): void {
    const ids = new Uint32Array(cap);
    ids.set(this.ids.subarray(0, this.length));
    const offs = new Uint32Array(cap * 2);
    offs.set(this.offsets.subarray(0, 2 * this.length));
    this.ids = ids;
    this.offsets = offs;
  }

  /** Exact-length copies. */
  finish(): { ids: Uint32Array; offsets: Uint32Array } {
    return { ids: this.ids.slice(0, this.length), offsets: this.offsets.slice(0, 2 * this.length) };
  }
}
