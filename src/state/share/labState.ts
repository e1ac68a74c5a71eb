/**
 * What a share link or an export carries for each lab, and how it is read back: every field is checked, and
 * anything wrong is refused with a message (nothing is applied half-way). API keys and server addresses are never
 * part of it.
 */
import type { SamplingSettings } from '../../engine/protocol';
import type { ChatChoices } from '../chatStore';
import { importConversation } from '../../engine/chat/io';
import { DEFAULT_SAMPLING } from '../../engine/sampling/types';
import type { ConstraintChoice } from '../constraintChoice';
import { readConstraintChoice } from '../constraintChoice';
import { field, isRecord } from '../persistence';

export interface ChatShare extends ChatChoices {
  lab: 'chat';
}

export interface AnalyseShare {
  lab: 'analyse';
  text: string;
}

export interface GenerateShare {
  lab: 'generate';
  modelId: string;
  prompt: string;
  addSpecialTokens: boolean;
  /** the seed is settings.seed */
  settings: SamplingSettings;
  maxNewTokens: number;
  constraint: ConstraintChoice;
}

export type LabShare = ChatShare | AnalyseShare | GenerateShare;
export type ShareLab = LabShare['lab'];
export const SHARE_LABS: readonly ShareLab[] = ['generate', 'chat', 'analyse'];

type Read<T> = { ok: true; value: T } | { ok: false; error: string };

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing or not valid`);
  return value;
}

function readSettings(v: unknown): SamplingSettings {
  if (!isRecord(v)) throw new Error('the sampling settings are missing');
  return {
    ...DEFAULT_SAMPLING,
    temperature: need(field.number(v.temperature, 0), 'the temperature'),
    topK: need(field.number(v.topK, 0, Infinity, true), 'top-k'),
    topP: need(field.number(v.topP, 0, 1), 'top-p'),
    minP: need(field.number(v.minP, 0, 1), 'min-p'),
    repetitionPenalty: need(field.number(v.repetitionPenalty, 0), 'the repetition penalty'),
    seed: need(field.number(v.seed, 0, Infinity, true), 'the seed'),
  };
}

/** Reads a lab's state from parsed JSON; `lab` is the lab the link or file says it is for. */
export function readLabShare(v: unknown, lab: ShareLab): Read<LabShare> {
  try {
    if (!isRecord(v)) throw new Error('it holds no settings');
    if (v.lab !== lab) throw new Error(`it is for the ${String(v.lab)} lab, not the ${lab} lab`);
    switch (lab) {
      case 'analyse':
        return { ok: true, value: { lab, text: need(field.string(v.text), 'the text') } };
      case 'chat': {
        const conv = importConversation(JSON.stringify(v.conversation ?? null));
        if (!conv.ok) throw new Error(`its conversation is not valid: ${conv.error}`);
        return {
          ok: true,
          value: {
            lab,
            conversation: conv.conversation,
            templateId: need(field.string(v.templateId), 'the template'),
            pricingModel: need(field.string(v.pricingModel), 'the priced model'),
            addGenerationPrompt: need(field.boolean(v.addGenerationPrompt), '"add generation prompt"'),
            reservedOutput: need(field.number(v.reservedOutput, 0, Infinity, true), 'the reserved output'),
            growthTurns: need(field.number(v.growthTurns, 0, 2000, true), 'the growth turns'),
          },
        };
      }
      case 'generate':
        return {
          ok: true,
          value: {
            lab,
            modelId: need(field.string(v.modelId), 'the model'),
            prompt: need(field.string(v.prompt), 'the prompt'),
            addSpecialTokens: need(field.boolean(v.addSpecialTokens), '"add special tokens"'),
            settings: readSettings(v.settings),
            maxNewTokens: need(field.number(v.maxNewTokens, 1, Infinity, true), 'max new tokens'),
            constraint: need(readConstraintChoice(v.constraint), 'the constraint'),
          },
        };
    }
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
