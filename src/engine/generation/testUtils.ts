/** Helpers shared by the generation tests (not used by the app). */
import type { GenerationSummary, StepSnapshot } from './types';

/** Runs a generation to its end: every step it yields, and the summary it returns. */
export async function collect(it: AsyncGenerator<StepSnapshot, GenerationSummary>) {
  const steps: StepSnapshot[] = [];
  let next = await it.next();
  while (!next.done) {
    steps.push(next.value);
    next = await it.next();
  }
  return { steps, summary: next.value };
}
