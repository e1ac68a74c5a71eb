/**
 * Keeps the distribution of every streamed step exactly as it was generated (the very object the step event
 * carried), so the UI can hold only the steps it shows and ask for any other one (`step-distributions`), and an
 * export can carry every step in full.
 *
 * Why the objects and not a recomputation: a step re-sampled from its logits with the same settings gives the same
 * numbers only while the logits are kept (LogitsStore: 512 steps), and a forced or server-drawn step's chosen token is
 * not what the draw picks. The snapshot itself is exact by construction, and small (about 20 candidates, a few KB).
 *
 * Bounded by a step count (default 4,096: more than the lab keeps runs for on the embedded model, 12 runs of its
 * 256-token window); the oldest stored step is dropped first. Entries are keyed by (branch, step).
 */
import type { StepDistribution } from './types';

const DEFAULT_MAX_STEPS = 4096;

export class DistributionStore {
  readonly maxSteps: number;
  private readonly entries = new Map<string, StepDistribution>();

  constructor(maxSteps = DEFAULT_MAX_STEPS) {
    this.maxSteps = maxSteps;
  }

  get size(): number {
    return this.entries.size;
  }

  put(branchId: string, stepIndex: number, distribution: StepDistribution): void {
    const key = `${branchId}:${stepIndex}`;
    this.entries.delete(key);
    this.entries.set(key, distribution);
    while (this.entries.size > this.maxSteps) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** The step's distribution as generated, or null when it was never streamed here or has been dropped. */
  get(branchId: string, stepIndex: number): StepDistribution | null {
    return this.entries.get(`${branchId}:${stepIndex}`) ?? null;
  }
}
