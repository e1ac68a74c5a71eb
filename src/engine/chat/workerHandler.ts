/** The worker's chat handler: resolves the template source and tokenizer, runs analyseChat. */
import type { ChatAnalyseRequest, ChatAnalyseResponse, PricingCatalogueResponse } from '../protocol';
import { analyseChat } from './analyse';
import { chatSource, parsingWithoutAdding } from './sources';
import type { TokenizerLike } from './types';
import { catalogueLimits, tokenCountNote, type ModelLimits } from './models';
import { loadPricingCatalogue, pricingEntry } from '../pricing/load';

type GetTokenizer = (tokenizerId: string) => Promise<{ encode(text: string, o: { specialTokens: boolean }): { ids: Uint32Array; offsets: Uint32Array } }>;

export async function handleChatRequest(
  req: ChatAnalyseRequest,
  getTokenizer: GetTokenizer,
  modelFileUrl: (modelId: string, file: string) => string,
): Promise<ChatAnalyseResponse> {
  const started = performance.now();
  const source = await chatSource(req.templateId, modelFileUrl);
  const tokenizer: TokenizerLike = source.tokenizer ?? parsingWithoutAdding(await getTokenizer(source.tokenizerId!));
  // on a server the window is the served model's (its own list says it), not the template family's config
  let limits: ModelLimits = source.limits;
  if (req.serverModel) {
    const s = req.serverModel;
    limits = { ...limits, modelName: s.id, contextWindow: s.contextWindow, maxOutputTokens: null, inputPricePerM: null, outputPricePerM: null, cachedInputPricePerM: null, catalogue: null, pricingId: null, source: `the model list of ${s.origin}` };
  } else if (req.pricingModel) {
    // an API model from the catalogue: its window and prices; the counts are the template's tokenizer's
    const [entry, catalogue] = await Promise.all([pricingEntry(req.pricingModel), loadPricingCatalogue()]);
    limits = catalogueLimits(entry, catalogue.source, source.limits.kv, tokenCountNote(entry, req.templateId, source.tokenizerName));
  }
  const analysis = analyseChat(source.spec, tokenizer, limits, req);
  return { type: 'chat-analysed', ms: performance.now() - started, analysis };
}

export async function handlePricingCatalogueRequest(): Promise<PricingCatalogueResponse> {
  return { type: 'pricing-catalogue', catalogue: await loadPricingCatalogue() };
}
