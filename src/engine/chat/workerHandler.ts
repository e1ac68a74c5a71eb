/** The worker's chat handler: resolves the template source and tokenizer, runs analyseChat. */
import type { ChatAnalyseRequest, ChatAnalyseResponse } from '../protocol';
import { analyseChat } from './analyse';
import { chatSource, parsingWithoutAdding } from './sources';
import type { TokenizerLike } from './types';

type GetTokenizer = (tokenizerId: string) => Promise<{ encode(text: string, o: { specialTokens: boolean }): { ids: Uint32Array; offsets: Uint32Array } }>;

export async function handleChatRequest(
  req: ChatAnalyseRequest,
  getTokenizer: GetTokenizer,
  modelFileUrl: (modelId: string, file: string) => string,
): Promise<ChatAnalyseResponse> {
  const started = performance.now();
  const source = await chatSource(req.templateId, req.openAIModel, modelFileUrl);
  const tokenizer: TokenizerLike = source.tokenizer ?? parsingWithoutAdding(await getTokenizer(source.tokenizerId!));
  // on a server the window is the served model's (its own list says it), not the template family's config
  const limits = req.serverModel
    ? { ...source.limits, modelName: req.serverModel.id, contextWindow: req.serverModel.contextWindow, maxOutputTokens: null, inputPricePerM: null, outputPricePerM: null, source: `the model list of ${req.serverModel.origin}` }
    : source.limits;
  const analysis = analyseChat(source.spec, tokenizer, limits, req);
  return { type: 'chat-analysed', ms: performance.now() - started, analysis };
}
