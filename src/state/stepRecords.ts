/**
 * What the Generate lab keeps per step, bounded: every step as a compact record (the chosen token and the numbers the
 * token list, timings and context meter draw), and full distributions only in a small cache (the newest streamed
 * steps, the selected one, and those fetched back from the engine). The engine keeps every streamed step's
 * distribution as generated (engine/generation/distributionStore.ts) and answers `step-distributions` for any other
 * step, so the page's memory does not grow with the distributions of a long run.
 */
import type { StepDistribution, StepSnapshot } from '../engine/protocol';

/** A step without its distribution: what every panel but the distribution and pipeline panels needs. */
export interface StepRecord extends Omit<StepSnapshot, 'distribution'> {
  /** entropy (bits) of the distribution the token was drawn from, as generated */
  entropyBits: number;
  /** the probability the grammar removed at the step (null unconstrained) */
  removedMass: number | null;
}

/** The record of a streamed step; `branchId` is the run's own string, so a long run holds one copy of it. */
export function toStepRecord(s: StepSnapshot, branchId: string = s.branchId): StepRecord {
  return {
    stepIndex: s.stepIndex,
    phase: s.phase,
    inputTokens: s.inputTokens,
    contextLength: s.contextLength,
    chosen: s.chosen,
    entropyBits: s.distribution.entropyBits,
    removedMass: s.distribution.mask ? s.distribution.mask.removedMass : null,
    modelEntropyBits: s.modelEntropyBits,
    ms: s.ms,
    forwardMs: s.forwardMs,
    maskMs: s.maskMs,
    branchId: branchId === s.branchId ? branchId : s.branchId,
    stream: s.stream,
  };
}

/** The step in full again (for an export): the record's fields and the distribution, in the snapshot's shape. */
export function withDistribution(r: StepRecord, distribution: StepDistribution): StepSnapshot {
  return {
    stepIndex: r.stepIndex,
    phase: r.phase,
    inputTokens: r.inputTokens,
    contextLength: r.contextLength,
    chosen: r.chosen,
    distribution,
    modelEntropyBits: r.modelEntropyBits,
    ms: r.ms,
    forwardMs: r.forwardMs,
    maskMs: r.maskMs,
    branchId: r.branchId,
    stream: r.stream,
  };
}

/** Full distributions held by the page; null: the engine said it no longer keeps that step. */
export type DistributionCache = ReadonlyMap<string, StepDistribution | null>;

export const NO_DISTRIBUTIONS: DistributionCache = new Map();

export const distributionKey = (branchId: string, stepIndex: number) => `${branchId}:${stepIndex}`;

/** Of each streamed batch, the newest steps whose distributions the page keeps (the rest are asked for on demand). */
export const RECENT_DISTRIBUTIONS = 8;
/** The most full distributions the page holds at once. */
export const MAX_DISTRIBUTIONS = 32;

/** The cache with `entries` added (newest last); the oldest go beyond `max`, never the one under `keep` (the selected step). */
export function cacheDistributions(
  cache: DistributionCache,
  entries: [string, StepDistribution | null][],
  keep: string | null,
  max: number = MAX_DISTRIBUTIONS,
): DistributionCache {
  const next = new Map(cache);
  for (const [key, d] of entries) {
    next.delete(key);
    next.set(key, d);
  }
  for (const key of next.keys()) {
    if (next.size <= max) break;
    if (key !== keep) next.delete(key);
  }
  return next;
}
