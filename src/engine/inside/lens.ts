/**
 * The maths of the Inside panel as pure functions over Float32Arrays: the logit lens (a hidden state through the
 * model's final RMSNorm and tied output head, then a float64 softmax), the top tokens of a distribution, a norm.
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

/** Logits of a normed hidden state against a `[vocab, hidden]` output head (row-major). */
function headLogits(normed: Float64Array, head: Float32Array): Float64Array {
  const hidden = normed.length;
  const vocab = head.length / hidden;
  const out = new Float64Array(vocab);
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
export function lensDistribution(hidden: Float32Array, normWeight: Float32Array, head: Float32Array, eps: number): Float64Array {
  return softmax64(headLogits(rmsNorm(hidden, normWeight, eps), head));
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
