/**
 * Sampling pipeline speed (Node): it re-runs on every slider event, so it must stay
 * well inside a frame even for Gemma's 262k vocabulary.
 * Run: npx vitest bench --run bench/sampling.bench.ts
 */
import { bench, describe } from 'vitest';
import { samplingPipeline, topCandidates } from '../src/engine/sampling/pipeline';
import { DEFAULT_SAMPLING, type SamplingSettings } from '../src/engine/sampling/types';
import { Mulberry32 } from '../src/engine/sampling/rng';

const V = 262_144;
const rng = new Mulberry32(15);
const logits = Float32Array.from({ length: V }, () => (rng.next() - 0.5) * 5);
const context = Array.from({ length: 500 }, () => Math.floor(rng.next() * V));
const variants: [string, SamplingSettings][] = [
  ['no filters', { ...DEFAULT_SAMPLING }],
  ['all filters', { ...DEFAULT_SAMPLING, temperature: 0.8, topK: 64, topP: 0.92, minP: 0.03, repetitionPenalty: 1.1 }],
  ['top-p 0.99 at T=1.5', { ...DEFAULT_SAMPLING, temperature: 1.5, topP: 0.99 }],
];

describe('samplingPipeline + top 32 candidates, 262k vocabulary', () => {
  for (const [label, s] of variants) bench(label, () => void topCandidates(samplingPipeline(logits, s, 0.5, context), 32), { iterations: 5, time: 0 });
});
