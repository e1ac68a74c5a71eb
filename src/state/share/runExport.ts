/**
 * A Generate lab run as JSON (re-importable: the run comes back as a run of the lab, its steps and distributions as
 * they were) and CSV (one row per generated token, with the top candidates).
 */
import type { GenerationSummary, PromptTokens, SamplingSettings, StepSnapshot } from '../../engine/protocol';
import type { ConstraintChoice } from '../constraintChoice';
import { readConstraintChoice } from '../constraintChoice';
import type { RunView } from '../generateReducer';
import { isRecord } from '../persistence';
import { toStepRecord } from '../stepRecords';
import { readLabShare } from './labState';
import { toCsv, toExportJson } from './exportFormat';

const FORMAT = 'nexttoken.run';
/** candidates written per step to the CSV */
const CSV_CANDIDATES = 5;

export interface RunExport {
  model: string;
  settings: SamplingSettings;
  maxNewTokens: number;
  constraint: ConstraintChoice;
  prompt: PromptTokens;
  steps: StepSnapshot[];
  summary: GenerationSummary | null;
  label: string;
}

export function runJson(e: RunExport): string {
  return toExportJson({ format: FORMAT, version: 1, ...e });
}

export function runCsv(e: RunExport): string {
  const header = ['step', 'token_id', 'token_text', 'probability', 'forced', 'entropy_bits', 'model', 'seed', 'temperature', 'top_k', 'top_p', 'min_p', 'top_candidates'];
  const rows = e.steps.map((s) => [
    s.stepIndex,
    s.chosen.id,
    s.chosen.text,
    s.chosen.prob,
    s.chosen.forced,
    s.distribution.entropyBits,
    e.model,
    e.settings.seed,
    e.settings.temperature,
    e.settings.topK,
    e.settings.topP,
    e.settings.minP,
    s.distribution.candidates
      .slice(0, CSV_CANDIDATES)
      .map((c) => `${c.id}:${JSON.stringify(c.text)}:${c.prob}`)
      .join(' | '),
  ]);
  return toCsv(header, rows);
}

const isNum = (v: unknown): v is number => typeof v === 'number';

function checkStep(s: unknown, i: number): StepSnapshot {
  const bad = (what: string) => new Error(`step ${i + 1} ${what}`);
  if (!isRecord(s) || !isNum(s.stepIndex) || (s.phase !== 'prefill' && s.phase !== 'decode')) throw bad('has no index or phase');
  const c = s.chosen;
  if (!isRecord(c) || !isNum(c.id) || typeof c.text !== 'string' || !isNum(c.prob)) throw bad('has no chosen token');
  const d = s.distribution;
  if (!isRecord(d) || !Array.isArray(d.candidates) || !isNum(d.chosenId) || !isNum(d.entropyBits) || !isRecord(d.draw) || !isRecord(d.cutoffs)) throw bad('has no distribution');
  for (const k of d.candidates) if (!isRecord(k) || !isNum(k.id) || typeof k.text !== 'string' || !isNum(k.prob) || !isNum(k.logit)) throw bad('has a malformed candidate');
  if (typeof s.branchId !== 'string') throw bad('has no branch');
  return s as unknown as StepSnapshot;
}

/** Reads a run export back; throws with what is wrong. */
export function readRunExport(v: unknown): RunExport {
  if (!isRecord(v) || v.format !== FORMAT) throw new Error(`this is not a Generate lab export (its "format" is not "${FORMAT}")`);
  if (v.version !== 1) throw new Error(`its version ${String(v.version)} is not one this app reads (1)`);
  // the settings are checked the way a share link's are
  const read = readLabShare({ lab: 'generate', modelId: v.model, prompt: '', addSpecialTokens: true, settings: v.settings, maxNewTokens: v.maxNewTokens, constraint: v.constraint }, 'generate');
  if (!read.ok) throw new Error(read.error);
  const p = v.prompt;
  if (!isRecord(p) || !Array.isArray(p.ids) || !p.ids.every(isNum) || !Array.isArray(p.texts) || !p.texts.every((t) => typeof t === 'string')) throw new Error('its prompt tokens are missing');
  if (!Array.isArray(v.steps) || v.steps.length === 0) throw new Error('it has no steps');
  const steps = v.steps.map(checkStep);
  const s = read.value as Extract<typeof read.value, { lab: 'generate' }>;
  return {
    model: s.modelId,
    settings: s.settings,
    maxNewTokens: s.maxNewTokens,
    constraint: readConstraintChoice(v.constraint)!,
    prompt: { ids: p.ids as number[], texts: p.texts as string[] },
    steps,
    summary: isRecord(v.summary) ? (v.summary as unknown as GenerationSummary) : null,
    label: typeof v.label === 'string' ? v.label : 'imported run',
  };
}

/** The run as the lab keeps it, marked imported (its logits are not in the engine: it can be viewed, not re-sampled;
 * its distributions stay with it, since the engine cannot give them back). */
export function importedRunView(e: RunExport, runId: string): RunView {
  return {
    runId,
    branchId: e.steps[0].branchId,
    prompt: e.prompt,
    parent: null,
    steps: e.steps.map((s) => toStepRecord(s)),
    distributions: e.steps.map((s) => s.distribution),
    summary: e.summary,
    status: 'done',
    useKvCache: e.summary?.useKvCache ?? true,
    label: `imported: ${e.label}`,
  };
}
