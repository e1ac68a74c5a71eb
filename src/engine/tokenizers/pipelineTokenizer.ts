/** A TextTokenizer on top of the fast pipeline (or any RangeEncoding). */
import { createIncrementalSession, encodeWhole, type RangeEncoding } from './incrementalSession';
import type { EncodeOptions, Encoding, TextTokenizer, SessionEdit, TokenizerSession } from './types';

export interface Vocabulary {
  size: number;
  piece(id: number): string;
  bytes(id: number): Uint8Array;
  isSpecial(id: number): boolean;
}

/** Texts longer than this are refused with a clear message rather than risking the tab. */
const MAX_TEXT_LENGTH = 16 * 1024 * 1024;

export function checkLength(text: string): void {
  if (text.length > MAX_TEXT_LENGTH) {
    throw new Error(`This text is ${(text.length / 1048576).toFixed(1)} MB; the tokenizer accepts at most ${MAX_TEXT_LENGTH / 1048576} MB. Paste a shorter text.`);
  }
}

/** What every tokenizer answers from its vocabulary alone: token bytes, pieces, specials. */
export abstract class VocabularyTokenizer {
  readonly vocabSize: number;

  constructor(protected readonly vocab: Vocabulary) {
    this.vocabSize = vocab.size;
  }

  tokenBytes(id: number): Uint8Array {
    return this.vocab.bytes(id);
  }

  tokenPiece(id: number): string {
    return this.vocab.piece(id);
  }

  isSpecial(id: number): boolean {
    return this.vocab.isSpecial(id);
  }
}

export class PipelineTokenizer extends VocabularyTokenizer implements TextTokenizer {
  constructor(
    readonly id: string,
    private readonly enc: RangeEncoding,
    vocab: Vocabulary,
    readonly fast = true,
  ) {
    super(vocab);
  }

  encode(text: string, options?: EncodeOptions): Encoding {
    checkLength(text);
    return encodeWhole(this.enc, text, options?.specialTokens ?? false, options?.template ?? true);
  }


  createSession(options?: EncodeOptions): TokenizerSession {
    const inner = createIncrementalSession(this.enc, options?.specialTokens ?? false);
    return {
      update(text: string, edit?: SessionEdit, middle?: Encoding) {
        checkLength(text);
        return inner.update(text, edit, middle);
      },
      rangeOf: (text: string, edit?: SessionEdit) => inner.rangeOf(text, edit),
    };
  }

  splitPoints(text: string, n: number, options?: EncodeOptions): number[] {
    const special = options?.specialTokens ?? false;
    const points: number[] = [];
    let last = 0;
    for (let k = 1; k < n; k++) {
      const target = Math.max(last + 1, Math.floor((text.length * k) / n));
      const limit = Math.min(text.length, target + 65536);
      for (let i = target; i < limit; i++) {
        if (this.enc.isSplitPoint(text, i, special)) {
          points.push(i);
          last = i;
          break;
        }
      }
    }
    return points;
  }
}
