/**
 * The tokenizer engine: exact, fast tokenizers for the lab (pure TypeScript; runs in a worker and in Node).
 */
import { createHuggingFaceTokenizer } from './huggingface';
import { createOpenAiTokenizer, loadOpenAiRanks, type OpenAiEncodingName } from './openaiEncodings';
import { HF_PACKAGE_FILES, type TokenizerDataSource } from './sources';
import type { TextTokenizer } from './types';

export type { Encoding, SessionEdit, SessionUpdate, TextTokenizer } from './types';
export type { TokenizerDataSource } from './sources';
export { createHuggingFaceTokenizer } from './huggingface';

export { BUILTIN_TOKENIZERS, type BuiltinTokenizerId } from './catalog';
import type { BuiltinTokenizerId } from './catalog';

/** The published Llama 3 tokenizer adds <|begin_of_text|>; the packaged tokenizer.json's post-processor does not, so we add it explicitly. */
const HF_OPTIONS: Partial<Record<keyof typeof HF_PACKAGE_FILES, { addBos?: boolean }>> = { llama3: { addBos: true } };

/** In a browser or worker, the bundled vocabularies; elsewhere (Node) pass a source, e.g. `nodeSource` from './nodeSources'. */
async function defaultSource(): Promise<TokenizerDataSource> {
  if (typeof fetch === 'function' && (typeof window !== 'undefined' || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined')) {
    return (await import('./browserSources')).browserSource;
  }
  throw new Error('No tokenizer data source: outside a browser, pass one to loadBuiltinTokenizer (e.g. nodeSource).');
}

export async function loadBuiltinTokenizer(id: BuiltinTokenizerId, source?: TokenizerDataSource): Promise<TextTokenizer> {
  switch (id) {
    case 'o200k_base':
    case 'cl100k_base':
    case 'r50k_base':
      return createOpenAiTokenizer(id as OpenAiEncodingName, await loadOpenAiRanks(id));
    case 'llama3':
    case 'qwen':
    case 'gemma3':
    case 'deepseek_v3': {
      const src = source ?? (await defaultSource());
      const pkg = HF_PACKAGE_FILES[id];
      const [json, config] = await Promise.all([src(`${pkg}/models/tokenizer.json`), src(`${pkg}/models/tokenizer_config.json`)]);
      return createHuggingFaceTokenizer(id, json, config, HF_OPTIONS[id]);
    }
    default:
      throw new Error(`Unknown tokenizer "${String(id)}".`);
  }
}
