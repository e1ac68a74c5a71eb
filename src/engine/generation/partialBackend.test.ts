/**
 * The loop driving a backend that knows only the top N log-probabilities of each next token (as a server with
 * `top_logprobs` does), through a small fake backend: the same Generator, step snapshots and re-sampling as the
 * local model, with the partial distribution renormalised over the known tokens and a server's own pick taken.
 */
import { describe, expect, it } from 'vitest';
import { analyseIds } from '../analyse/analyse';
import type { DecodeSequence, NextTokenBackend, SequenceStep, TokenLogprob } from '../backends/types';
import { DEFAULT_SAMPLING, type SamplingSettings } from '../sampling/types';
import { Generator, bareGreedyDecode } from './generator';
import { collect } from './testUtils';
import type { ModelInfo } from './types';

const VOCAB = 50;
const EOS = 49;
/** Every step: token 1 with p = 0.5, token 2 with 0.2, token 3 with 0.1; the other 47 tokens share 0.2. */
const TOP: TokenLogprob[] = [
  { id: 2, logprob: Math.log(0.2) },
  { id: 1, logprob: Math.log(0.5) },
  { id: 3, logprob: Math.log(0.1) },
];
const OTHER_MASS = 0.2;
const KNOWN = 0.8;

const info: ModelInfo = {
  modelId: 'fake-server',
  device: 'cpu',
  dtype: 'fp16',
  architecture: 'llama',
  vocabSize: VOCAB,
  contextWindow: 64,
  eosTokenIds: [EOS],
  bosTokenId: null,
  numLayers: 0,
};

/** A server-like fake: stateless, answers after a timer, rejects at once when aborted, counts open sequences. */
class FakePartialBackend implements NextTokenBackend {
  readonly info = info;
  readonly vocabulary = 'partial';
  readonly tokenizer = {
    encode: (text: string) => Array.from(text, (c) => c.charCodeAt(0) - 97),
    decode: (ids: number[]) => ids.map((id) => String.fromCharCode(97 + id)).join(''),
  };
  open = 0;
  /** the token the "server" picks at each step, by context length (none: it leaves the choice to the client) */
  picks = new Map<number, number>();
  /** set: `next` never answers on its own, as a slow server would not */
  hang = false;

  openSequence(): DecodeSequence {
    this.open++;
    return {
      next: (context: readonly number[], signal?: AbortSignal) =>
        new Promise<SequenceStep>((resolve, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
          if (this.hang) return;
          setTimeout(() => {
            const chosenId = this.picks.get(context.length);
            resolve({ scores: { vocabulary: 'partial', top: TOP, otherMass: OTHER_MASS, chosenId }, inputTokens: context.length });
          }, 1);
        }),
      dispose: async () => {
        this.open--;
      },
    };
  }

  async dispose(): Promise<void> {}
}

const settings = (s: Partial<SamplingSettings>): SamplingSettings => ({ ...DEFAULT_SAMPLING, ...s });

describe('generation over a partial (top-N) backend', () => {
  it('streams steps whose candidates are the known top N, renormalised, and reports the remaining mass', async () => {
    const backend = new FakePartialBackend();
    const { steps, summary } = await collect(new Generator(backend).generate([0, 1], { settings: settings({ seed: 3 }), maxNewTokens: 4 }));
    expect(steps).toHaveLength(4);
    expect(summary.reason).toBe('max-tokens');
    for (const step of steps) {
      const d = step.distribution;
      expect(d).toMatchObject({ vocabulary: 'partial', otherMass: OTHER_MASS, keptCount: 3 });
      expect(d.candidates.map((c) => c.id)).toEqual([1, 2, 3]);
      expect(d.candidates.map((c) => c.prob)).toEqual([0.5 / KNOWN, 0.2 / KNOWN, 0.1 / KNOWN].map((p) => expect.closeTo(p, 6)));
      expect(d.candidates.map((c) => c.rawProb)).toEqual([0.5 / KNOWN, 0.2 / KNOWN, 0.1 / KNOWN].map((p) => expect.closeTo(p, 6)));
      expect(d.candidates[0].text).toBe('b');
      expect([1, 2, 3]).toContain(step.chosen.id);
      expect(step.chosen).toMatchObject({ forced: false, byBackend: false });
      expect(step.chosen.prob).toBeCloseTo(d.candidates.find((c) => c.id === step.chosen.id)!.prob, 6);
      expect(step.inputTokens).toBe(step.contextLength - 1);
    }
    expect(backend.open).toBe(0);
  });

  it('re-samples a stored partial step with other settings: filters act on the known tokens only', async () => {
    const generator = new Generator(new FakePartialBackend());
    const { summary } = await collect(generator.generate([0], { settings: settings({}), maxNewTokens: 2 }));
    const greedy = await generator.resample(summary.branchId, 1, settings({ temperature: 0 }));
    expect(greedy.distribution).toMatchObject({ vocabulary: 'partial', otherMass: OTHER_MASS, chosenId: 1, chosenProb: 1 });
    const topTwo = await generator.resample(summary.branchId, 1, settings({ topK: 2 }));
    expect(topTwo.distribution.keptCount).toBe(2);
    expect(topTwo.distribution.candidates.map((c) => c.prob)).toEqual([expect.closeTo(0.5 / 0.7, 6), expect.closeTo(0.2 / 0.7, 6), 0]);
    const hot = await generator.resample(summary.branchId, 1, settings({ temperature: 2 }));
    const z = Math.sqrt(0.5) + Math.sqrt(0.2) + Math.sqrt(0.1);
    expect(hot.distribution.candidates[0].prob).toBeCloseTo(Math.sqrt(0.5) / z, 6);
    expect(generator.storedLogits(summary.branchId, 1)?.filter((x) => x > -Infinity)).toHaveLength(3);
  });

  it("takes the token the backend picked, as a forced choice, and stops at the backend's EOS", async () => {
    const backend = new FakePartialBackend();
    backend.picks.set(2, 3); // after a 2-token prompt the server picks token 3 …
    backend.picks.set(3, EOS); // … then EOS, which is not among its top N at all
    const { steps, summary } = await collect(new Generator(backend).generate([0, 1], { settings: settings({ temperature: 0 }), maxNewTokens: 10 }));
    expect(steps.map((s) => s.chosen.id)).toEqual([3, EOS]);
    expect(steps[0].chosen).toMatchObject({ byBackend: true, forced: false, prob: expect.closeTo(0, 9) });
    expect(steps[0].distribution.chosenId).toBe(3);
    expect(steps[0].distribution.draw.rank).toBe(0); // the local draw (greedy: token 1) is still shown
    expect(summary).toMatchObject({ reason: 'eos', tokenIds: [3, EOS] });
    expect((await bareGreedyDecode(backend, [0, 1], 2)).tokenIds).toEqual([3, EOS]);
    expect((await bareGreedyDecode(new FakePartialBackend(), [0], 2)).tokenIds).toEqual([1, 1]);
  });

  it('a user-forced token wins over the backend pick on a branch', async () => {
    const backend = new FakePartialBackend();
    const generator = new Generator(backend);
    const base = await collect(generator.generate([0], { settings: settings({ temperature: 0 }), maxNewTokens: 3, stopOnEos: false }));
    backend.picks.set(2, 3);
    const branch = await collect(generator.continueFrom(base.summary.branchId, 1, 2, { settings: settings({ temperature: 0 }), maxNewTokens: 3 }));
    expect(branch.steps[0].chosen).toMatchObject({ id: 2, forced: true, byBackend: false });
    expect(branch.summary.tokenIds).toEqual([1, 2, 1]);
  });

  it('Stop returns at once while the backend has not answered, and the sequence is closed', async () => {
    const backend = new FakePartialBackend();
    backend.hang = true;
    const controller = new AbortController();
    const pending = new Generator(backend).generate([0], { settings: settings({}), maxNewTokens: 5, signal: controller.signal }).next();
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect(await pending).toMatchObject({ done: true, value: { reason: 'stopped', tokenIds: [] } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(backend.open).toBe(0);
  });

  it('analysis refuses a backend that cannot score every position, saying why', async () => {
    await expect(analyseIds(new FakePartialBackend(), [1, 2, 3])).rejects.toThrow(
      /"fake-server" cannot score every position of a text, so it cannot analyse text/,
    );
  });
});
