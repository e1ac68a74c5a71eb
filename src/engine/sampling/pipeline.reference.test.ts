/**
 * The final distribution of our pipeline against an independent reference built from Transformers.js' own
 * logits processors (RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper), its top-k as used by its
 * MultinomialSampler (the ONNX TopK op + softmax), and, for top-p and min-p — which Transformers.js 4.3 declares
 * but does not implement — a line-by-line transcription of HF transformers' TopPLogitsWarper / MinPLogitsWarper
 * (full sort, ascending cumulative sum).
 */
import {
  RepetitionPenaltyLogitsProcessor,
  TemperatureLogitsWarper,
  Tensor,
  softmax as tjsSoftmax,
  topk,
} from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { samplingPipeline } from './pipeline';
import { randomIds, randomLogits } from './testUtils';
import { DEFAULT_SAMPLING, type SamplingSettings } from './types';

async function referenceDistribution(
  logits: Float32Array,
  s: SamplingSettings,
  previousIds: number[],
): Promise<Float32Array> {
  const tensor = new Tensor('float32', new Float32Array(logits), [1, logits.length]);
  const inputIds = [previousIds.map((id) => BigInt(id))];
  if (s.repetitionPenalty !== 1) new RepetitionPenaltyLogitsProcessor(s.repetitionPenalty)(inputIds, tensor);
  if (s.temperature !== 1) new TemperatureLogitsWarper(s.temperature)(inputIds, tensor);
  const scores = tensor.data as Float32Array;

  if (s.topK > 0) {
    const [, indices] = await topk(new Tensor('float32', new Float32Array(scores), [scores.length]), s.topK);
    const keep = new Set(Array.from(indices.data as BigInt64Array, Number));
    for (let i = 0; i < scores.length; i++) if (!keep.has(i)) scores[i] = -Infinity;
  }
  if (s.topP < 1) {
    // HF: sorted ascending; cumulative_probs = sorted_logits.softmax(-1).cumsum(-1);
    // remove where cumulative_probs <= 1 - top_p; always keep the last (most likely) token.
    const ascending = Array.from(scores.keys()).sort((a, b) => scores[a] - scores[b]);
    const probs = tjsSoftmax(scores) as Float32Array;
    let cumulative = 0;
    const remove: number[] = [];
    ascending.forEach((id, position) => {
      cumulative = Math.fround(cumulative + probs[id]);
      if (cumulative <= 1 - s.topP && position < ascending.length - 1) remove.push(id);
    });
    for (const id of remove) scores[id] = -Infinity;
  }
  if (s.minP > 0) {
    // HF: probs = softmax(scores); remove where probs < min_p * max(probs); keep at least one.
    const probs = tjsSoftmax(scores) as Float32Array;
    let top = 0;
    for (const p of probs) top = Math.max(top, p);
    for (let i = 0; i < scores.length; i++) if (probs[i] < s.minP * top) scores[i] = -Infinity;
  }
  return tjsSoftmax(scores) as Float32Array;
}

const cases: Array<[string, Partial<SamplingSettings>]> = [
  ['temperature alone', { temperature: 0.7 }],
  ['a hot temperature', { temperature: 1.8 }],
  ['top-k', { topK: 40 }],
  ['top-p', { topP: 0.9 }],
  ['min-p', { minP: 0.05 }],
  ['the repetition penalty', { repetitionPenalty: 1.3 }],
  ['a repetition reward (penalty < 1)', { repetitionPenalty: 0.8 }],
  ['top-k then top-p', { temperature: 0.9, topK: 50, topP: 0.8 }],
  ['every stage together', { temperature: 0.8, topK: 100, topP: 0.95, minP: 0.02, repetitionPenalty: 1.2 }],
  ['a tight nucleus at low temperature', { temperature: 0.5, topP: 0.5, minP: 0.1 }],
];

describe('the final distribution matches Transformers.js / HF warpers', () => {
  for (const [label, partial] of cases) {
    for (const vocabSize of [64, 5000]) {
      it(`with ${label} (vocab ${vocabSize})`, async () => {
        for (let trial = 0; trial < 4; trial++) {
          const seed = vocabSize * 31 + trial;
          const logits = randomLogits(vocabSize, seed);
          const previousIds = randomIds(20, vocabSize, seed + 7);
          const settings = { ...DEFAULT_SAMPLING, ...partial };
          const expected = await referenceDistribution(logits, settings, previousIds);
          const trace = samplingPipeline(logits, settings, 0.5, previousIds);
          let worst = 0;
          for (let i = 0; i < vocabSize; i++) worst = Math.max(worst, Math.abs(trace.final[i] - expected[i]));
          expect(worst).toBeLessThan(1e-6);
          const filtering = (settings.topK > 0 && settings.topK < vocabSize) || settings.topP < 1 || settings.minP > 0;
          if (filtering) expect(trace.keptCount).toBeLessThan(vocabSize);
        }
      });
    }
  }
});
