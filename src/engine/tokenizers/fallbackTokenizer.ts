/**
 * Slow path for tokenizer.json configurations the fast pipeline does not support:
 * the reference implementation itself (@huggingface/tokenizers, which Transformers.js uses).
 * Ids are exact; offsets are derived from the tokens' bytes and are exact whenever the
 * normalizer does not change the text. Sessions re-encode the whole text.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { VocabularyTokenizer, checkLength, type Vocabulary } from './pipelineTokenizer';
import type { EncodeOptions, Encoding, TextTokenizer, TokenizerSession } from './types';
import { utf8EncodeWithUnits, unitLength } from './unicode';

interface TokenizerJson {
  added_tokens?: { special?: boolean }[];
}

export class FallbackTokenizer extends VocabularyTokenizer implements TextTokenizer {
  readonly fast = false;
  private plain: Tokenizer;
  private special: Tokenizer;

  constructor(
    readonly id: string,
    tokenizerJson: unknown,
    tokenizerConfig: unknown,
    vocab: Vocabulary,
    private readonly prefix: number[],
    private readonly suffix: number[],
  ) {
    super(vocab);
    const json = tokenizerJson as TokenizerJson;
    const config = (tokenizerConfig ?? {}) as Record<string, unknown>;
    this.special = new Tokenizer(json as never, config as never);
    const plainJson = { ...json, added_tokens: (json.added_tokens ?? []).filter((t) => !t.special) };
    this.plain = new Tokenizer(plainJson as never, config as never);
  }

  encode(text: string, options?: EncodeOptions): Encoding {
    checkLength(text);
    const special = options?.specialTokens ?? false;
    const body = special ? this.special.encode(text, { add_special_tokens: false }).ids : this.plain.encode(text, { add_special_tokens: false }).ids;
    const ids = special ? [...this.prefix, ...body, ...this.suffix] : body;
    const offsets = new Uint32Array(2 * ids.length);
    const bytes = new Uint8Array(text.length * 3 + 4);
    const units = new Uint32Array(text.length * 3 + 4);
    const n = utf8EncodeWithUnits(text, bytes, units);
    let pos = 0;
    const head = special ? this.prefix.length : 0;
    for (let k = 0; k < ids.length; k++) {
      if (k < head || k >= head + body.length) {
        const at = k < head ? 0 : text.length;
        offsets[2 * k] = at;
        offsets[2 * k + 1] = at;
        continue;
      }
      const len = this.vocab.bytes(ids[k]).length;
      const b0 = Math.min(pos, n);
      const b1 = Math.min(pos + len, n);
      const start = b0 < n ? units[b0] : text.length;
      const end = b1 > b0 ? units[b1 - 1] + unitLength(text, units[b1 - 1]) : start;
      offsets[2 * k] = start;
      offsets[2 * k + 1] = end;
      pos += len;
    }
    return { ids: Uint32Array.from(ids), offsets };
  }


  createSession(options?: EncodeOptions): TokenizerSession {
    return {
      update: (text: string) => ({ ...this.encode(text, options), reencodedFrom: 0, reencodedTo: text.length }),
    };
  }

  splitPoints(): number[] {
    return [];
  }
}
