/**
 * Worker-side tokenizer service: loads tokenizers lazily, keeps one incremental
 * session per (tokenizer, special-token mode) so edits re-tokenize only the
 * region they affect, and packs results into transferable arrays.
 */
import type { Encoding, TextTokenizer } from './tokenizers';
import { BUILTIN_TOKENIZERS, createHuggingFaceTokenizer, loadBuiltinTokenizer } from './tokenizers';
import type { BuiltinTokenizerId } from './tokenizers';
import type { TokenizedPayload, TokenizerLoadPhase } from './protocol';

export type LoadListener = (tokenizerId: string, phase: TokenizerLoadPhase) => void;

/** Where a model's own tokenizer files live, e.g. `models/nexttoken-base/`. */
export type ModelTokenizerLocator = (modelId: string) => Promise<{ tokenizerJson: unknown; tokenizerConfigJson: unknown } | null>;

type Session = ReturnType<TextTokenizer['createSession']>;

const builtinIds = new Set<string>(BUILTIN_TOKENIZERS.map((t) => t.id));

export class TokenizerService {
  private readonly loading = new Map<string, Promise<TextTokenizer>>();
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly onLoad: LoadListener,
    private readonly locateModelTokenizer: ModelTokenizerLocator,
  ) {}

  get(tokenizerId: string): Promise<TextTokenizer> {
    let pending = this.loading.get(tokenizerId);
    if (!pending) {
      pending = this.load(tokenizerId);
      this.loading.set(tokenizerId, pending);
      // a failed load may succeed later (e.g. a network hiccup): do not cache failures
      pending.catch(() => this.loading.delete(tokenizerId));
    }
    return pending;
  }

  /** Registers an already-parsed tokenizer (e.g. the one of a freshly loaded model). */
  register(tokenizer: TextTokenizer): void {
    this.loading.set(tokenizer.id, Promise.resolve(tokenizer));
    for (const key of [...this.sessions.keys()]) if (key.startsWith(`${tokenizer.id}|`)) this.sessions.delete(key);
  }

  private async load(tokenizerId: string): Promise<TextTokenizer> {
    this.onLoad(tokenizerId, 'download');
    let tokenizer: TextTokenizer;
    if (builtinIds.has(tokenizerId)) {
      tokenizer = await loadBuiltinTokenizer(tokenizerId as BuiltinTokenizerId);
    } else {
      const files = await this.locateModelTokenizer(tokenizerId);
      if (!files) throw new Error(`No tokenizer is known for "${tokenizerId}". Load the model first or pick another tokenizer.`);
      this.onLoad(tokenizerId, 'parse');
      tokenizer = createHuggingFaceTokenizer(tokenizerId, files.tokenizerJson, files.tokenizerConfigJson);
    }
    this.onLoad(tokenizerId, 'ready');
    return tokenizer;
  }

  /** Tokenizes through the incremental session of this tokenizer and mode. */
  async tokenize(tokenizerId: string, text: string, specialTokens: boolean) {
    const tokenizer = await this.get(tokenizerId);
    const key = `${tokenizerId}|${specialTokens ? 1 : 0}`;
    let session = this.sessions.get(key);
    if (!session) {
      session = tokenizer.createSession({ specialTokens });
      this.sessions.set(key, session);
    }
    const encoding = session.update(text);
    return {
      payload: packEncoding(tokenizer, encoding),
      reencoded: [encoding.reencodedFrom, encoding.reencodedTo] as [number, number],
    };
  }
}

/** Concatenates every token's bytes so the UI can show pieces without another round-trip. */
export function packEncoding(tokenizer: TextTokenizer, encoding: Encoding): TokenizedPayload {
  const n = encoding.ids.length;
  const byteEnds = new Uint32Array(n);
  const special = new Uint8Array(n);
  const pieces: Uint8Array[] = new Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const id = encoding.ids[i];
    const b = tokenizer.tokenBytes(id);
    pieces[i] = b;
    total += b.length;
    byteEnds[i] = total;
    special[i] = tokenizer.isSpecial(id) ? 1 : 0;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    bytes.set(pieces[i], at);
    at += pieces[i].length;
  }
  // copies so the transfer does not detach arrays the session keeps
  return { ids: encoding.ids.slice(), offsets: encoding.offsets.slice(), byteEnds, bytes, special };
}
