/**
 * Reference encoders for the exactness tests (Node only): js-tiktoken for OpenAI encodings and
 * @huggingface/tokenizers — the implementation Transformers.js' PreTrainedTokenizer runs — for tokenizer.json.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import { Tokenizer } from '@huggingface/tokenizers';
import type { BuiltinTokenizerId } from './index';
import { HF_PACKAGE_FILES } from './sources';
import { nodeSource } from './nodeSources';

export type ReferenceEncoder = (text: string, special: boolean) => number[];

async function tiktokenRanks(id: 'o200k_base' | 'cl100k_base' | 'r50k_base') {
  switch (id) {
    case 'o200k_base':
      return (await import('js-tiktoken/ranks/o200k_base')).default;
    case 'cl100k_base':
      return (await import('js-tiktoken/ranks/cl100k_base')).default;
    case 'r50k_base':
      return (await import('js-tiktoken/ranks/gpt2')).default;
  }
}

export async function loadReference(id: BuiltinTokenizerId): Promise<ReferenceEncoder> {
  if (id === 'o200k_base' || id === 'cl100k_base' || id === 'r50k_base') {
    const enc = new Tiktoken(await tiktokenRanks(id));
    return (text, special) => (special ? enc.encode(text, 'all') : enc.encode(text, [], []));
  }
  const pkg = HF_PACKAGE_FILES[id];
  const json = (await nodeSource(`${pkg}/models/tokenizer.json`)) as { added_tokens: { special: boolean }[] };
  const config = await nodeSource(`${pkg}/models/tokenizer_config.json`);
  const full = new Tokenizer(json as never, config as never);
  // Plain-text mode = HF's encode_special_tokens: special added tokens are not recognised.
  const plain = new Tokenizer({ ...json, added_tokens: json.added_tokens.filter((t) => !t.special) } as never, config as never);
  // Transformers.js does not add a BOS for these two, but the models' tokenizers do: Llama 3's published
  // post-processor adds <|begin_of_text|>, and DeepSeek-V3 (LlamaTokenizerFast, add_bos_token: true) adds its BOS.
  const bos = id === 'llama3' ? [128000] : id === 'deepseek_v3' ? [0] : [];
  return (text, special) => (special ? [...bos, ...full.encode(text, { add_special_tokens: true }).ids] : plain.encode(text, { add_special_tokens: false }).ids);
}
