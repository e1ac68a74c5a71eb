/**
 * Context windows and prices. OpenAI models: gpt-tokenizer's model specs
 * (maintained upstream; never a hand-written table here). Hugging Face
 * models: config.json (max_position_embeddings); open weights have no list price.
 */
import * as specs from 'gpt-tokenizer/models';
import type { ModelSpec } from 'gpt-tokenizer/modelTypes';
import { contextWindowFromConfig } from './families';


export interface ModelLimits {
  modelName: string;
  contextWindow: number | null;
  maxOutputTokens: number | null;
  /** USD per 1M tokens; null when the source has none */
  inputPricePerM: number | null;
  outputPricePerM: number | null;
  source: string;
}

function openAISpec(name: string): ModelSpec | undefined {
  return (specs as unknown as Record<string, ModelSpec | undefined>)[name];
}

export function openAILimits(name: string): ModelLimits {
  const spec = openAISpec(name);
  if (!spec) throw new Error(`gpt-tokenizer has no model spec for "${name}".`);
  return {
    modelName: spec.name,
    contextWindow: spec.context_window ?? null,
    maxOutputTokens: spec.max_output_tokens ?? null,
    inputPricePerM: spec.price_data?.main?.input ?? null,
    outputPricePerM: spec.price_data?.main?.output ?? null,
    source: `gpt-tokenizer model spec "${spec.name}"`,
  };
}

export function hfLimits(modelName: string, config: unknown, source: string): ModelLimits {
  return {
    modelName,
    contextWindow: contextWindowFromConfig(config),
    maxOutputTokens: null,
    inputPricePerM: null,
    outputPricePerM: null,
    source,
  };
}
