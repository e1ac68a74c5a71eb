/**
 * An independent reference for tests (Node and Playwright): one plain Transformers.js forward over the whole
 * sequence, a float64 softmax, ranks by counting. It shares nothing with analyse.ts but the model.
 */
import { Tensor, type PreTrainedModel } from '@huggingface/transformers';

export interface ReferenceScore {
  prob: number;
  rank: number;
  surprisalBits: number;
  entropyBits: number;
  /** the 5 best ids, best first (ties: lower id first) */
  top: number[];
}

/** Scores of seq[1..] given what precedes each (seq[0] has none). */
export async function referenceScores(model: PreTrainedModel, seq: number[]): Promise<ReferenceScore[]> {
  const out = await model.forward({
    input_ids: new Tensor('int64', BigInt64Array.from(seq.map(BigInt)), [1, seq.length]),
    attention_mask: new Tensor('int64', new BigInt64Array(seq.length).fill(1n), [1, seq.length]),
  });
  const logits = out.logits as Tensor;
  const V = logits.dims[2];
  const data = logits.data as Float32Array;
  const scores: ReferenceScore[] = [];
  for (let p = 0; p + 1 < seq.length; p++) {
    const row = Array.from(data.subarray(p * V, (p + 1) * V), Number);
    const m = Math.max(...row);
    const exps = row.map((x) => Math.exp(x - m));
    const z = exps.reduce((a, b) => a + b, 0);
    const probs = exps.map((e) => e / z);
    const target = seq[p + 1];
    const rank = row.filter((x) => x > row[target]).length + 1;
    const entropy = -probs.reduce((h, q) => (q > 0 ? h + q * Math.log2(q) : h), 0);
    const top = row
      .map((x, id) => ({ x, id }))
      .sort((a, b) => b.x - a.x || a.id - b.id)
      .slice(0, 5)
      .map((e) => e.id);
    scores.push({ prob: probs[target], rank, surprisalBits: -Math.log2(probs[target]), entropyBits: entropy, top });
  }
  return scores;
}
