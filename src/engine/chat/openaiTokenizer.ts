/**
 * The tokenizer of OpenAI's chat format. tiktoken's plain o200k_base knows only
 * <|endoftext|> and <|endofprompt|>; the chat markers (<|im_start|>, <|im_sep|>,
 * <|im_end|>) are special tokens of the chat models' encoding, so the chat lab
 * tokenizes with gpt-tokenizer's gpt-4o encoding (o200k_base + those markers).
 * Browser- and Node-safe.
 */
import type { TokenizerLike } from './types';

/** gpt-tokenizer's gpt-4o encoding (its module default export). */
export type Gpt4oEncoding = typeof import('gpt-tokenizer/model/gpt-4o').default;

/**
 * The encoding is imported when the chat lab first asks for it, not with the worker: building it fills a
 * 200,000-entry map (about 12 MB of the worker's heap), and every full garbage collection of the worker walks that
 * heap, a collection that ONNX Runtime's per-step buffers set off a few times in each generation.
 */
export async function loadOpenAIChatTokenizer(): Promise<TokenizerLike> {
  return openAIChatTokenizer((await import('gpt-tokenizer/model/gpt-4o')).default);
}

/** UTF-16 offsets of consecutive byte runs of `text` (byteLens per token). */
export function offsetsFromByteLengths(text: string, byteLens: number[]): Uint32Array {
  const enc = new TextEncoder();
  // byte position → UTF-16 position at char starts
  const byteToUtf16: number[] = [];
  let bytePos = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const len = cp > 0xffff ? 2 : 1;
    const nb = enc.encode(text.slice(i, i + len)).length;
    for (let k = 0; k < nb; k++) byteToUtf16[bytePos + k] = i;
    bytePos += nb;
    i += len;
  }
  byteToUtf16[bytePos] = text.length;
  const out = new Uint32Array(2 * byteLens.length);
  let b = 0;
  byteLens.forEach((len, t) => {
    out[2 * t] = byteToUtf16[b];
    b += len;
    out[2 * t + 1] = byteToUtf16[b] ?? text.length;
  });
  if (b !== bytePos) throw new Error(`token bytes (${b}) do not add up to the text's bytes (${bytePos})`);
  return out;
}


type Core = { tryDecodeToken(t: number): Uint8Array | string | undefined };

const CHAT_SPECIALS = ['<|im_start|>', '<|im_end|>', '<|im_sep|>', '<|endoftext|>', '<|endofprompt|>'];
const SPECIAL_SPLIT = new RegExp(`(${CHAT_SPECIALS.map((t) => t.replace(/[|]/g, '\\|')).join('|')})`);

/**
 * Splits at special tokens itself and encodes the plain pieces separately (exactly what
 * tiktoken does). gpt-tokenizer 4.0.0's encode(text, { allowedSpecial }) misses every special
 * token after the first one (findNextSpecialToken adds the search start to an absolute match index).
 */
export function openAIChatTokenizer(gpt4o: Gpt4oEncoding): TokenizerLike {
  const core = (gpt4o as unknown as { bytePairEncodingCoreProcessor: Core }).bytePairEncodingCoreProcessor;
  const enc = new TextEncoder();
  const specialIds = new Map(CHAT_SPECIALS.map((t) => [t, gpt4o.encode(t, { allowedSpecial: new Set([t]) })[0]]));
  return {
    encode(text, opts) {
      const ids: number[] = [];
      const pieces = opts.specialTokens ? text.split(SPECIAL_SPLIT) : [text];
      pieces.forEach((piece, i) => {
        if (!piece) return;
        if (i % 2 === 1) ids.push(specialIds.get(piece)!);
        else for (const id of gpt4o.encode(piece, { disallowedSpecial: new Set() })) ids.push(id);
      });
      const lens = ids.map((t: number) => {
        const b = core.tryDecodeToken(t);
        return typeof b === 'string' ? enc.encode(b).length : (b?.length ?? 0);
      });
      return { ids: Uint32Array.from(ids), offsets: offsetsFromByteLengths(text, lens) };
    },
  };
}
