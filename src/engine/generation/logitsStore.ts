/**
 * Keeps the logits of recent steps so a step can be re-sampled with new settings without running the model.
 *
 * Bounded twice: at most `maxSteps` steps (default 512) and at most `maxBytes` of logits (default 256 MiB, i.e.
 * 512 steps of a 131k vocabulary, or 256 steps of Gemma's 262k). When either bound is passed the oldest stored
 * step is dropped first. Entries are keyed by (branch, step).
 */
import type { Vocabulary } from './types';

export interface StoredStep {
  /** vocabulary-sized; of a partial distribution: the known log-probabilities, −∞ elsewhere */
  logits: Float32Array;
  /** RNG stream the step was drawn from. */
  stream: number;
  vocabulary: Vocabulary;
  /** probability of the tokens a partial distribution does not list (0 when full) */
  otherMass: number;
}

const DEFAULT_MAX_STORED_STEPS = 512;
const DEFAULT_MAX_STORED_BYTES = 256 * 1024 * 1024;

export class LogitsStore {
  readonly maxSteps: number;
  readonly maxBytes: number;
  private readonly entries = new Map<string, StoredStep>();
  private bytes = 0;

  constructor(maxSteps = DEFAULT_MAX_STORED_STEPS, maxBytes = DEFAULT_MAX_STORED_BYTES) {
    this.maxSteps = maxSteps;
    this.maxBytes = maxBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  get storedBytes(): number {
    return this.bytes;
  }

  put(branchId: string, stepIndex: number, step: StoredStep): void {
    const key = `${branchId}:${stepIndex}`;
    this.remove(key);
    this.entries.set(key, step);
    this.bytes += step.logits.byteLength;
    while (this.entries.size > 0 && (this.entries.size > this.maxSteps || this.bytes > this.maxBytes)) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
    }
  }

  get(branchId: string, stepIndex: number): StoredStep | undefined {
    return this.entries.get(`${branchId}:${stepIndex}`);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private remove(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.bytes -= old.logits.byteLength;
    this.entries.delete(key);
  }
}
