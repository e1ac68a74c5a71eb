/**
 * Deterministic random numbers for sampling.
 *
 * The draw for a step is a pure function of (seed, stepIndex, stream): re-sampling a step, branching, or
 * running again from the same seed gives the same numbers, whatever happened before. `stream` separates
 * independent sequences of draws: a normal run (and any branch continued from it) uses stream 0, and run r of
 * "run N times" uses stream r — so run 0 reproduces the normal run.
 */

const TWO_POW_32 = 4294967296;

/** An integer of any size (and sign) folded to 32 bits, keeping its high bits in the mix. */
function foldToUint32(x: number): number {
  const n = Math.trunc(Number.isFinite(x) ? x : 0);
  const low = ((n % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
  const high = Math.floor(n / TWO_POW_32) | 0;
  return (low ^ Math.imul(high, 0x9e3779b1)) >>> 0;
}

/** murmur3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit state from the three coordinates of a draw. */
function mixSeed(seed: number, stepIndex: number, stream = 0): number {
  let h = fmix32(foldToUint32(seed) ^ 0x243f6a88);
  h = fmix32(h ^ Math.imul(foldToUint32(stepIndex) + 1, 0x9e3779b1));
  h = fmix32(h ^ Math.imul(foldToUint32(stream) + 1, 0x85ebca77));
  return h;
}

/** mulberry32: a small, fast PRNG with a 32-bit state. `next()` is uniform on [0, 1). */
export class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  }
}

/** The uniform [0, 1) draw used to sample step `stepIndex` of stream `stream`. */
export function drawUniform(seed: number, stepIndex: number, stream = 0): number {
  return new Mulberry32(mixSeed(seed, stepIndex, stream)).next();
}
