/**
 * The maths of the Inside panel as pure functions over Float32Arrays: the logit lens (a hidden state through the
 * model's final RMSNorm and output head, then a float64 softmax), the top tokens of a distribution, a norm.
 */

/** RMSNorm as Llama computes it: weight · x / sqrt(mean(x²) + eps). */
export function rmsNorm(x: Float32Array, weight: Float32Array, eps: number): Float64Array {
  let sq = 0;
  for (let i = 0; i < x.length; i++) sq += x[i] * x[i];
  const scale = 1 / Math.sqrt(sq / x.length + eps);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = weight[i] * x[i] * scale;
  return out;
}

/** How an output head's weights lie: `[vocab, hidden]` (a tied embedding, Gemm with transB) or `[hidden, vocab]` (MatMul). */
export type HeadLayout = 'vocab-hidden' | 'hidden-vocab';

/** Logits of a normed hidden state against an output head (row-major). */
function headLogits(normed: Float64Array, head: Float32Array, layout: HeadLayout): Float64Array {
  const hidden = normed.length;
  const vocab = head.length / hidden;
  const out = new Float64Array(vocab);
  if (layout === 'hidden-vocab') {
    for (let i = 0; i < hidden; i++) {
      const x = normed[i];
      const row = i * vocab;
      for (let v = 0; v < vocab; v++) out[v] += head[row + v] * x;
    }
    return out;
  }
  for (let v = 0; v < vocab; v++) {
    let s = 0;
    const row = v * hidden;
    for (let i = 0; i < hidden; i++) s += head[row + i] * normed[i];
    out[v] = s;
  }
  return out;
}

function softmax64(logits: Float64Array): Float64Array {
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  const out = new Float64Array(logits.length);
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= z;
  return out;
}

/** The next-token distribution read from one hidden state: final norm, output head, softmax. */
export function lensDistribution(
  hidden: Float32Array,
  normWeight: Float32Array,
  head: Float32Array,
  eps: number,
  layout: HeadLayout = 'vocab-hidden',
): Float64Array {
  return softmax64(headLogits(rmsNorm(hidden, normWeight, eps), head, layout));
}

/** The `k` most probable ids, best first (ties: the lower id first). */
export function topTokens(probs: ArrayLike<number>, k: number): { ids: number[]; probs: number[] } {
  const best: number[] = [];
  for (let id = 0; id < probs.length; id++) {
    if (best.length === k && probs[id] <= probs[best[k - 1]]) continue;
    let at = best.length;
    while (at > 0 && probs[best[at - 1]] < probs[id]) at--;
    best.splice(at, 0, id);
    if (best.length > k) best.pop();
  }
  return { ids: best, probs: best.map((id) => probs[id]) };
}

export function l2Norm(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s);
}

/** A float32 copy of an output tensor's data: float32 as is, float16 (its bits in a Uint16Array) widened. */
export function float32Of(tensor: { data: unknown; type?: string }): Float32Array {
  const data = tensor.data;
  if (data instanceof Float32Array) return data;
  if (tensor.type === 'float16' && data instanceof Uint16Array) return Float32Array.from(data, halfToFloat);
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new Error(`an internal tensor is ${tensor.type ?? 'not a float tensor'}, not float32 or float16`);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
