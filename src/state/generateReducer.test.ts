import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING } from '../engine/sampling/types';
import type { GenerationSummary, ModelInfo, StepSnapshot } from '../engine/protocol';
import { DEFAULT_CONSTRAINT } from './constraintChoice';
import { NO_RUNS, reduceGenerate, type GenerateEvent, type GenerateState } from './generateReducer';
import { MAX_DISTRIBUTIONS } from './stepRecords';

const info: ModelInfo = { modelId: 'm', device: 'wasm', dtype: 'fp32', architecture: 'llama', vocabSize: 10, contextWindow: 8, eosTokenIds: [0], bosTokenId: null, numLayers: 1 };

function initial(): GenerateState {
  return {
    prompt: 'The ship',
    addSpecialTokens: true,
    settings: DEFAULT_SAMPLING,
    maxNewTokens: 4,
    backendChoice: 'auto',
    modelId: 'm',
    remoteHost: 'https://example.invalid/',
    runCount: 3,
    backendKind: 'browser',
    serverUrl: 'http://127.0.0.1:1/v1',
    serverApi: 'completions',
    serverModel: '',
    constraint: DEFAULT_CONSTRAINT,
    constraintStatus: { state: 'none' },
    server: { status: 'idle', message: null, models: [], origin: null },
    serverApiKey: '',
    rememberApiKey: false,
    model: { status: 'idle', requestedId: 'm', info: null, backend: null, backendReason: '', threads: 0, progress: null, error: null },
    ...NO_RUNS,
    error: null,
  };
}

function step(stepIndex: number, id: number, branchId = 'b0'): StepSnapshot {
  return {
    stepIndex,
    phase: stepIndex === 0 ? 'prefill' : 'decode',
    inputTokens: 1,
    contextLength: stepIndex + 2,
    chosen: { id, text: `t${id}`, prob: 1, forced: false, byBackend: false },
    distribution: { vocabulary: 'full', otherMass: 0, candidates: [], chosenId: id, chosenProb: 1, entropyBits: 0, draw: { u: 0, cumulativeBefore: 0, cumulativeAfter: 1, rank: 0 }, cutoffs: { topK: null, topP: null, minP: null }, keptCount: 1, mask: null },
    modelEntropyBits: 0,
    ms: 1,
    forwardMs: 1,
    maskMs: 0,
    branchId,
    stream: 0,
  };
}

const reduce = (s: GenerateState, ...events: GenerateEvent[]) => events.reduce(reduceGenerate, s);

describe('the Generate lab reducer', () => {
  it('a model load goes loading → progress → ready, and a new model starts without runs', () => {
    let s = reduce(initial(), { type: 'run-queued', runId: 'r0', label: 'old', activate: true, useKvCache: true });
    s = reduce(s, { type: 'model-loading', modelId: 'm2' });
    expect(s.model.status).toBe('loading');
    expect(s.modelId).toBe('m2');
    s = reduce(s, { type: 'model-load', progress: { phase: 'compile', file: 'onnx/model.onnx' } });
    expect(s.model.progress).toEqual({ phase: 'compile', file: 'onnx/model.onnx' });
    s = reduce(s, { type: 'model-ready', response: { type: 'model-ready', info, backend: 'wasm', backendReason: 'no adapter', threads: 2 } });
    expect(s.model).toMatchObject({ status: 'ready', info, backend: 'wasm', threads: 2, error: null });
    expect(s.runs).toEqual({});
    expect(s.activeRunId).toBeNull();
  });

  it('a server model loads without changing the browser model chosen', () => {
    const s = reduce(initial(), { type: 'model-loading', modelId: 'served/llama', server: true });
    expect(s.modelId).toBe('m');
    expect(s.model).toMatchObject({ status: 'loading', requestedId: 'served/llama' });
  });

  it('a failed load keeps the previous model usable and selected', () => {
    let s = reduce(initial(), { type: 'model-ready', response: { type: 'model-ready', info, backend: 'wasm', backendReason: '', threads: 1 } });
    s = reduce(s, { type: 'model-loading', modelId: 'nobody/missing' }, { type: 'model-failed', message: 'not found' });
    expect(s.model).toMatchObject({ status: 'ready', info, error: 'not found' });
    expect(s.modelId).toBe('m');
    const fresh = reduce(initial(), { type: 'model-loading', modelId: 'x' }, { type: 'model-failed', message: 'not found' });
    expect(fresh.model.status).toBe('error');
  });

  it('a run streams its steps in order, takes its branch from the first step, and ends with its summary', () => {
    let s = reduce(initial(), { type: 'run-queued', runId: 'r1', label: 'Generation', activate: true, useKvCache: true });
    expect(s.activeRunId).toBe('r1');
    expect(s.runs.r1.status).toBe('running');
    s = reduce(s, { type: 'run-started', runId: 'r1', prompt: { ids: [5], texts: ['The'] }, parent: null, useKvCache: true });
    s = reduce(s, { type: 'steps', runId: 'r1', steps: [step(0, 3), step(1, 4)] }, { type: 'steps', runId: 'r1', steps: [step(2, 0)] });
    expect(s.runs.r1.steps.map((x) => x.chosen.id)).toEqual([3, 4, 0]);
    expect(s.runs.r1.branchId).toBe('b0');
    const summary = { reason: 'eos', branchId: 'b0', tokenIds: [3, 4, 0] } as GenerationSummary;
    s = reduce(s, { type: 'run-done', runId: 'r1', summary });
    expect(s.runs.r1).toMatchObject({ status: 'done', summary });
  });

  it('new steps of the followed run drop a re-sample of an older step; a selected step keeps it', () => {
    const resampled = { branchId: 'b0', stepIndex: 0, distribution: step(0, 3).distribution, chosenText: 't3', ms: 0 };
    let s = reduce(initial(), { type: 'run-queued', runId: 'r1', label: 'g', activate: true, useKvCache: true });
    s = reduce(s, { type: 'resampled', step: resampled, settings: s.settings, constraint: s.constraint });
    expect(reduce(s, { type: 'steps', runId: 'r1', steps: [step(0, 3)] }).resampled).toBeNull();
    s = { ...s, selectedStep: 0 };
    expect(reduce(s, { type: 'steps', runId: 'r1', steps: [step(0, 3)] }).resampled).toBe(resampled);
  });

  it('a long run keeps every step compactly and only a bounded window of full distributions, the selected step among them', () => {
    let s = reduce(initial(), { type: 'run-queued', runId: 'r1', label: 'g', activate: true, useKvCache: true });
    for (let i = 0; i < 2000; i += 4) s = reduce(s, { type: 'steps', runId: 'r1', steps: [0, 1, 2, 3].map((k) => step(i + k, (i + k) % 10)) });
    expect(s.runs.r1.steps).toHaveLength(2000);
    expect(s.runs.r1.steps[1234]).toMatchObject({ stepIndex: 1234, chosen: { id: 4 }, entropyBits: 0, removedMass: null });
    expect(s.runs.r1.steps[0]).not.toHaveProperty('distribution');
    expect(s.distributions.size).toBe(MAX_DISTRIBUTIONS);
    expect(s.distributions.get('b0:1999')?.chosenId).toBe(9);
    expect(s.distributions.has('b0:5')).toBe(false);
    // an early step, fetched from the engine and selected, stays while newer steps stream
    const early = step(5, 5).distribution;
    s = reduce({ ...s, selectedStep: 5 }, { type: 'distributions-fetched', entries: [['b0:5', early]] });
    for (let i = 2000; i < 2100; i++) s = reduce(s, { type: 'steps', runId: 'r1', steps: [step(i, 1)] });
    expect(s.distributions.get('b0:5')).toBe(early);
    expect(s.distributions.size).toBe(MAX_DISTRIBUTIONS);
  });

  it('a failed run says why; events for an unknown run change nothing', () => {
    let s = reduce(initial(), { type: 'run-queued', runId: 'r1', label: 'g', activate: true, useKvCache: true });
    s = reduce(s, { type: 'run-failed', runId: 'r1', message: 'The prompt is empty' });
    expect(s.runs.r1.status).toBe('error');
    expect(s.error).toBe('The prompt is empty');
    expect(reduce(s, { type: 'steps', runId: 'nope', steps: [step(0, 1)] })).toBe(s);
  });

  it('"run N times" counts its runs and keeps the divergence tree', () => {
    let s = reduce(initial(), { type: 'run-many-queued', runId: 'm1', runs: 2, settings: DEFAULT_SAMPLING });
    s = reduce(s, { type: 'run-many-progress', runId: 'm1', run: 0, text: 'a' }, { type: 'run-many-progress', runId: 'other', run: 0, text: 'x' });
    expect(s.runMany).toMatchObject({ done: 1, texts: ['a'], status: 'running' });
    const tree = { startStep: 0, tokenIds: [1], runs: [0, 1], children: [] };
    s = reduce(s, { type: 'run-many-done', runId: 'm1', response: { type: 'run-many-done', tree, texts: ['a', 'a'], sequences: [[1], [1]], tokenTexts: { 1: 'a' } } });
    expect(s.runMany).toMatchObject({ status: 'done', tree, texts: ['a', 'a'] });
  });

  it('an engine restart ends the runs in flight and unloads the model, and keeps finished runs', () => {
    let s = reduce(initial(), { type: 'model-ready', response: { type: 'model-ready', info, backend: 'wasm', backendReason: '', threads: 1 } });
    s = reduce(s, { type: 'run-queued', runId: 'done', label: 'g', activate: true, useKvCache: true }, { type: 'run-done', runId: 'done', summary: {} as GenerationSummary });
    s = reduce(s, { type: 'run-queued', runId: 'live', label: 'g', activate: true, useKvCache: true }, { type: 'run-many-queued', runId: 'm', runs: 2, settings: DEFAULT_SAMPLING });
    s = reduce(s, { type: 'engine-restarted', message: 'The engine stopped unexpectedly' });
    expect(s.runs.done.status).toBe('done');
    expect(s.runs.live.status).toBe('error');
    expect(s.runMany?.status).toBe('error');
    expect(s.model).toMatchObject({ status: 'idle', info: null });
    expect(s.error).toContain('stopped unexpectedly');
  });
});
