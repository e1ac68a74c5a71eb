/** Share links and exports: what goes in comes back out, and anything malformed is refused with a reason. */
import { describe, expect, test } from 'vitest';
import { decodeState, encodeState } from './codec';
import { readLabShare, type LabShare } from './labState';
import { analysisCsv, analysisJson, readAnalysisExport } from './analysisExport';
import { parseExportJson, toExportJson } from './exportFormat';
import { readRunExport, runJson } from './runExport';
import { DEFAULT_SAMPLING } from '../../engine/sampling/types';
import { TOP_ALTERNATIVES, type AnalysisResult } from '../../engine/analyse/types';
import { packTexts } from '../../engine/analyse/tokenTexts';
import { summariseScores } from '../../engine/analyse/summary';
import type { StepSnapshot } from '../../engine/protocol';

const chat: LabShare = {
  lab: 'chat',
  conversation: { tools: [], messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Grüß dich 👋 — "quotes" & commas, too' }] },
  templateId: 'qwen',
  pricingModel: 'anthropic/claude-3-5-haiku-20241022',
  addGenerationPrompt: true,
  reservedOutput: 512,
  growthTurns: 3,
};

describe('share links', () => {
  test('a lab state comes back from its compressed link text unchanged', async () => {
    const text = await encodeState(chat);
    expect(text.startsWith('z')).toBe(true);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(readLabShare(await decodeState(text), 'chat')).toEqual({ ok: true, value: chat });
  });

  test('compression makes a repetitive conversation much shorter than its JSON', async () => {
    const long = { ...chat, conversation: { tools: [], messages: Array.from({ length: 40 }, () => ({ role: 'user' as const, content: 'The same line again and again.' })) } };
    expect((await encodeState(long)).length).toBeLessThan(JSON.stringify(long).length / 4);
  });

  test.each([
    ['x123', /does not start the way this app writes links/],
    ['z!!!', /characters a link of this app never has/],
    ['zAAAAAAAAAA', /compressed data is damaged/],
    [`j${btoa('{"lab": ').replace(/=+$/, '')}`, /not valid JSON/],
  ])('a malformed link %s is refused with its reason', async (text, why) => {
    await expect(decodeState(text)).rejects.toThrow(why);
  });

  test('a link whose fields are wrong names the field, and one for another lab says so', () => {
    expect(readLabShare({ ...chat, reservedOutput: -1 }, 'chat')).toEqual({ ok: false, error: 'the reserved output is missing or not valid' });
    expect(readLabShare({ ...chat, conversation: { messages: [{ role: 'wizard', content: 'x' }] } }, 'chat').ok).toBe(false);
    expect(readLabShare(chat, 'analyse')).toEqual({ ok: false, error: 'it is for the chat lab, not the analyse lab' });
    const gen = { lab: 'generate', modelId: 'nexttoken-base', prompt: 'The ship', addSpecialTokens: true, settings: { ...DEFAULT_SAMPLING, seed: 7 }, maxNewTokens: 8, constraint: { kind: 'regex', texts: { regex: '[a-z]+' }, toolName: '' } };
    expect(readLabShare(gen, 'generate')).toEqual({ ok: true, value: gen });
    expect(readLabShare({ ...gen, settings: { ...gen.settings, topP: 2 } }, 'generate')).toEqual({ ok: false, error: 'top-p is missing or not valid' });
  });
});

describe('exports', () => {
  test('non-finite numbers survive the JSON export, and a text "NaN" stays text', () => {
    const v = parseExportJson(toExportJson({ a: -Infinity, b: NaN, c: 'NaN', d: [Infinity, 1.5] })) as Record<string, unknown>;
    expect(v).toEqual({ a: -Infinity, b: NaN, c: 'NaN', d: [Infinity, 1.5] });
  });

  const n = 3;
  const tokens = {
    ids: Int32Array.from([5, 9, 11]),
    texts: packTexts(['The', ' ship', ', "x"']),
    prob: Float32Array.from([NaN, 0.25, 0.125]),
    rank: Int32Array.from([0, 3, 1]),
    surprisal: Float32Array.from([NaN, 2, 3]),
    entropy: Float32Array.from([NaN, 4.5, 1.25]),
    contextTokens: Int32Array.from([0, 2, 3]),
    window: Int32Array.from([-1, 0, 0]),
    topIds: Int32Array.from({ length: n * TOP_ALTERNATIVES }, (_, i) => (i < TOP_ALTERNATIVES ? -1 : i)),
    topProbs: Float32Array.from({ length: n * TOP_ALTERNATIVES }, (_, i) => (i < TOP_ALTERNATIVES ? 0 : 1 / (i + 1))),
    altTexts: { 5: 'a', 6: 'b' },
  };
  const result: AnalysisResult = {
    modelId: 'nexttoken-base',
    plan: { tokens: n, prefixIds: [0], contextWindow: 256, stride: 128, windows: 1 },
    bytes: 14,
    ms: 12,
    ...tokens,
    summary: summariseScores(tokens),
  };

  test('an analysis export re-imports to the same arrays', () => {
    const back = readAnalysisExport(parseExportJson(analysisJson('The ship, "x"', result)));
    expect(back.text).toBe('The ship, "x"');
    // the token texts are exported one string per token, as before they were packed
    expect((parseExportJson(analysisJson('The ship, "x"', result)) as { tokens: { texts: string[] } }).tokens.texts).toEqual(['The', ' ship', ', "x"']);
    expect(back.result).toEqual(result);
  });

  test('the analysis CSV has one row per token, quoting texts with commas and quotes', () => {
    const lines = analysisCsv(result).trimEnd().split('\r\n');
    expect(lines).toHaveLength(n + 1);
    expect(lines[3].startsWith('2,11,", ""x""",0.125,1,3,1.25,3,0,')).toBe(true);
  });

  test('an analysis export with a short array is refused, naming it', () => {
    const broken = parseExportJson(analysisJson('t', result)) as { tokens: { rank: number[] } };
    broken.tokens.rank = [1];
    expect(() => readAnalysisExport(broken)).toThrow('"rank" must hold 3 numbers');
    expect(() => readAnalysisExport({ format: 'something else' })).toThrow(/not an Analyse lab export/);
  });

  test('a run export keeps its masked (−∞) logits and its settings; a step without a distribution is refused', () => {
    const step = {
      stepIndex: 0,
      phase: 'prefill',
      inputTokens: 2,
      contextLength: 3,
      chosen: { id: 4, text: ' sea', prob: 0.5, forced: false, byBackend: false },
      distribution: {
        vocabulary: 'full',
        otherMass: 0,
        candidates: [{ id: 4, text: ' sea', logit: 2, scaledLogit: 2, prob: 0.5, probBeforeFilters: 0.5, rawProb: 0.5, removedBy: null }, { id: 8, text: 'x', logit: -Infinity, scaledLogit: -Infinity, prob: 0, probBeforeFilters: 0, rawProb: 0, removedBy: 'grammar' }],
        chosenId: 4,
        chosenProb: 0.5,
        entropyBits: 1,
        draw: { u: 0.2, rank: 0, cumulativeBefore: 0, cumulativeAfter: 0.5 },
        cutoffs: { topK: null, topP: null, minP: null },
        keptCount: 1,
        mask: null,
      },
      modelEntropyBits: 1,
      ms: 3,
      forwardMs: 2,
      maskMs: 0,
      branchId: 'b1',
      stream: 0,
    } as unknown as StepSnapshot;
    const run = { model: 'nexttoken-base', settings: { ...DEFAULT_SAMPLING, seed: 3 }, maxNewTokens: 4, constraint: { kind: 'none' as const, texts: {}, toolName: '' }, prompt: { ids: [0, 1], texts: ['<s>', 'The'] }, steps: [step], summary: null, label: 'run 1' };
    expect(readRunExport(parseExportJson(runJson(run)))).toEqual(run);
    const broken = JSON.parse(runJson(run));
    delete broken.steps[0].distribution;
    expect(() => readRunExport(broken)).toThrow('step 1 has no distribution');
  });
});
