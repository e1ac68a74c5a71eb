/**
 * Decode speed of the app's loop against the bare loop, on the same model and prompt — for `npm run bench` (called
 * in the worker) and the timings panel. "Streamed" includes everything the UI gets per step: the sampling trace,
 * candidates with their text, entropy and stored logits.
 */
import { DEFAULT_SAMPLING } from '../sampling/types';
import { Generator, bareGreedyDecode } from './generator';
import type { NextTokenBackend } from '../backends/types';

export interface DecodeSpeed {
  steps: number;
  /** Greedy generation with per-step distributions, KV cache on. */
  streamedTokensPerSecond: number;
  /** The same loop with the KV cache off (full recompute every step). */
  recomputeTokensPerSecond: number;
  /** Prefill + argmax only. */
  bareTokensPerSecond: number;
  /** Time to first token of the streamed run (prefill + first sampling). */
  ttftMs: number;
}

export async function measureDecodeSpeed(backend: NextTokenBackend, promptIds: number[], steps: number): Promise<DecodeSpeed> {
  const run = async (useKvCache: boolean) => {
    const it = new Generator(backend).generate(promptIds, {
      settings: { ...DEFAULT_SAMPLING, temperature: 0 },
      maxNewTokens: steps,
      useKvCache,
      stopOnEos: false,
    });
    let next = await it.next();
    while (!next.done) next = await it.next();
    return next.value;
  };
  await bareGreedyDecode(backend, promptIds, 2); // warm-up
  const streamed = await run(true);
  const recompute = await run(false);
  const bare = await bareGreedyDecode(backend, promptIds, steps);
  return {
    steps: streamed.tokenIds.length,
    streamedTokensPerSecond: streamed.decodeTokensPerSecond,
    recomputeTokensPerSecond: recompute.decodeTokensPerSecond,
    bareTokensPerSecond: bare.decodeTokensPerSecond,
    ttftMs: streamed.ttftMs,
  };
}
