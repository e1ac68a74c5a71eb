/** The worker's chat handler: resolves the template source and tokenizer, runs analyzeChat. */
import type { ChatAnalyzeRequest, ChatEvent } from '../protocol';
import { analysisTransferables, analyzeChat } from './analyze';
import { chatSource, parsingWithoutAdding } from './sources';
import type { TokenizerLike } from './types';

type GetTokenizer = (tokenizerId: string) => Promise<{ encode(text: string, o: { specialTokens: boolean }): { ids: Uint32Array; offsets: Uint32Array } }>;

export async function handleChatRequest(
  req: ChatAnalyzeRequest,
  getTokenizer: GetTokenizer,
  modelFileUrl: (modelId: string, file: string) => string,
  emit: (event: ChatEvent, transfer?: Transferable[]) => void,
): Promise<void> {
  try {
    const started = performance.now();
    const source = await chatSource(req.templateId, req.openAIModel, modelFileUrl);
    const tokenizer: TokenizerLike = source.tokenizer ?? parsingWithoutAdding(await getTokenizer(source.tokenizerId!));
    const analysis = analyzeChat(source.spec, tokenizer, source.limits, req);
    emit({ type: 'chat-analyzed', requestId: req.requestId, ms: performance.now() - started, analysis }, analysisTransferables(analysis));
  } catch (err) {
    emit({ type: 'chat-error', requestId: req.requestId, message: err instanceof Error ? err.message : String(err) });
  }
}
