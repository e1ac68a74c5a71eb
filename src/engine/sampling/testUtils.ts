/** Helpers shared by the sampling tests (not used by the app). */
import { Mulberry32 } from './rng';

/** Normally distributed logits (Box–Muller) with the given spread, from a seeded generator. */
export function randomLogits(vocabSize: number, seed: number, spread = 3): Float32Array {
  const rng = new Mulberry32(seed);
  const out = new Float32Array(vocabSize);
  for (let i = 0; i < vocabSize; i++) {
    const u = Math.max(rng.next(), 1e-12);
    const v = rng.next();
    out[i] = spread * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}

/** Random token ids in [0, vocabSize), with repeats. */
export function randomIds(count: number, vocabSize: number, seed: number): number[] {
  const rng = new Mulberry32(seed);
  return Array.from({ length: count }, () => Math.floor(rng.next() * vocabSize));
}
