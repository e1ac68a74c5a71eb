/**
 * The elementary stages of sampling, as pure functions over Float32Arrays. Each returns a new array (or its
 * input when the stage is a no-op) and never mutates its arguments.
 */

/**
 * Repetition penalty (CTRL paper, as in HF transformers' RepetitionPenaltyLogitsProcessor): for each distinct
 * token of the context, a positive logit is divided by `penalty` and a negative one multiplied by it.
 */
export function applyRepetitionPenalty(
  logits: Float32Array,
  penalty: number,
  previousIds: ArrayLike<number> | undefined,
): { logits: Float32Array; penalizedIds: Int32Array } {
  if (penalty === 1 || !previousIds || previousIds.length === 0) {
    return { logits, penalizedIds: new Int32Array(0) };
  }
  const out = new Float32Array(logits);
  const seen = new Set<number>();
  for (let i = 0; i < previousIds.length; i++) {
    const id = previousIds[i];
    if (id < 0 || id >= out.length || seen.has(id)) continue;
    seen.add(id);
    const v = out[id];
    out[id] = v < 0 ? v * penalty : v / penalty;
  }
  return { logits: out, penalizedIds: Int32Array.from(seen) };
}

/** Logits divided by the temperature. NaN logits become -Infinity so they can never be chosen. */
export function applyTemperature(logits: Float32Array, temperature: number): Float32Array {
  const divide = temperature > 0 && temperature !== 1;
  let hasNaN = false;
  for (let i = 0; i < logits.length && !hasNaN; i++) hasNaN = logits[i] !== logits[i]; // NaN, without a call per entry
  if (!divide && !hasNaN) return logits;
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    out[i] = Number.isNaN(v) ? -Infinity : divide ? v / temperature : v;
  }
  return out;
}

/** Index of the largest value (the lowest such index on ties). */
export function argmax(values: Float32Array): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] > bestValue) {
      bestValue = values[i];
      best = i;
    }
  }
  return best;
}

/**
 * softmax(x) (accumulated in float64), with log Σ exp(x) and the entropy in bits of the result, all from its one pass
 * of exponentials (as `logSumExpAndEntropy`, whose two figures it gives bit for bit).
 */
export function softmaxWithStats(x: Float32Array): { probs: Float32Array; logSumExp: number; entropyBits: number } {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  const out = new Float32Array(x.length);
  if (max === -Infinity) return { probs: out, logSumExp: -Infinity, entropyBits: 0 };
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - max;
    if (d === -Infinity) continue; // its probability stays 0
    const e = Math.exp(d);
    out[i] = e;
    sum += e;
    weighted += e * d;
  }
  const inv = 1 / sum;
  for (let i = 0; i < x.length; i++) out[i] *= inv;
  const logSum = Math.log(sum);
  return { probs: out, logSumExp: max + logSum, entropyBits: Math.max(0, logSum - weighted / sum) / Math.LN2 };
}

/** Shannon entropy in bits, −Σ p log₂ p (zeros contribute nothing). */
export function entropyBits(probs: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (p > 0) h -= p * Math.log2(p);
  }
  return h;
}

/**
 * log Σ exp(x) and the entropy in bits of softmax(x), from one pass of exponentials (every decode step needs both
 * for the whole vocabulary): with m = max x, S = Σ e^(x−m) and T = Σ e^(x−m)(x−m), H = ln S − T/S nats.
 */
export function logSumExpAndEntropy(x: Float32Array): { logSumExp: number; entropyBits: number } {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  if (max === -Infinity) return { logSumExp: -Infinity, entropyBits: 0 };
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - max;
    if (d === -Infinity) continue;
    const e = Math.exp(d);
    sum += e;
    weighted += e * d;
  }
  const logSum = Math.log(sum);
  return { logSumExp: max + logSum, entropyBits: Math.max(0, logSum - weighted / sum) / Math.LN2 };
}
