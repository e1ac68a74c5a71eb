/**
 * Reading XGrammar's token bitmask: ceil(V / 32) little-endian 32-bit words, bit `id % 32` of word `id >> 5` set when
 * token `id` is allowed. Dependency-free: the sampling pipeline imports it.
 */

export function isTokenAllowed(bitmask: Int32Array, id: number): boolean {
  return ((bitmask[id >> 5] >>> (id & 31)) & 1) === 1;
}

/** How many of the first `vocabSize` ids are allowed. */
export function countAllowed(bitmask: Int32Array, vocabSize: number): number {
  let count = 0;
  const fullWords = vocabSize >> 5;
  for (let w = 0; w < fullWords; w++) count += popcount(bitmask[w]);
  for (let id = fullWords << 5; id < vocabSize; id++) if (isTokenAllowed(bitmask, id)) count++;
  return count;
}

function popcount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
