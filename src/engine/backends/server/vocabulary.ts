/**
 * Token ids for a server backend.
 *
 * Servers send tokens as TEXT (some add the bytes, llama.cpp and vLLM's token-id mode the model's own id), while
 * the generation loop works on ids in a dense space: a step's partial distribution becomes a vocabulary-sized logits
 * vector with −∞ for every unknown token. So a backend numbers the tokens itself: each distinct token it meets is
 * interned once, in order of first sight, and keeps that id for the backend's life (re-sampling, branching and "run
 * N times" all compare ids across steps and runs).
 *
 * - Identity: the model's id when the server gave it; else the token's UTF-8 bytes (given, or those of its text), so
 *   two tokens that print the same but differ in bytes (halves of one character) stay apart.
 * - `size` (the backend's `info.vocabSize`) is the count of ids handed out so far: an upper bound on every id seen,
 *   which grows during a run. It is not the model's vocabulary size, which a server does not tell.
 * - The prompt is sent as text, not tokens, so it is one synthetic entry holding the whole prompt (and, for chat, the
 *   messages); decoding it gives the text back. Decoding a list of ids concatenates their bytes, so characters split
 *   over tokens join up, and `exactText` rebuilds the text a new request continues from.
 * - A token known only by its id (vLLM's "token_id:123") has no text until the server sends it as the chosen token;
 *   until then it shows as "[token 123]" and cannot be continued from.
 */
import type { Conversation } from '../../chat/types';
import type { WireCandidate } from './wire';

interface Entry {
  /** the token's bytes; null while only its id is known */
  bytes: Uint8Array | null;
  /** the model's own id, where the server gave it */
  modelId: number | null;
  /** set for the synthetic prompt entries */
  messages?: Conversation;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

export class TokenTable {
  private readonly entries: Entry[] = [];
  private readonly byKey = new Map<string, number>();

  /** ids handed out so far: every id is below it */
  get size(): number {
    return this.entries.length;
  }

  /** The id of a token the server reported, interned on first sight; learns its bytes when they come later. */
  intern(c: WireCandidate): number {
    const bytes = c.bytes ? Uint8Array.from(c.bytes) : c.text !== null ? encoder.encode(c.text) : null;
    const key = c.id !== null ? `#${c.id}` : `b:${latin1(bytes ?? new Uint8Array(0))}`;
    const known = this.byKey.get(key);
    if (known !== undefined) {
      const entry = this.entries[known];
      if (!entry.bytes && bytes) entry.bytes = bytes;
      return known;
    }
    return this.add(key, { bytes, modelId: c.id });
  }

  /** The synthetic id of a prompt sent as text (the same text, and messages, give the same id). */
  prompt(text: string, messages?: Conversation): number {
    const key = `p:${messages ? JSON.stringify(messages) : ''}:${text}`;
    return this.byKey.get(key) ?? this.add(key, { bytes: encoder.encode(text), modelId: null, messages });
  }

  /** The messages of a chat prompt entry (undefined for any other id). */
  messages(id: number): Conversation | undefined {
    return this.entries[id]?.messages;
  }

  /** The model's own id of a token, where the server gave it. */
  modelId(id: number): number | undefined {
    return this.entries[id]?.modelId ?? undefined;
  }

  /** The text of `ids` for showing: a token known only by its id reads "[token 123]". */
  decode(ids: readonly number[]): string {
    return this.join(ids, (entry, id) => encoder.encode(`[token ${entry?.modelId ?? id}]`));
  }

  /** The exact text of `ids`, to send as a prompt; throws when a token's text is unknown. */
  exactText(ids: readonly number[]): string {
    return this.join(ids, (entry, id) => {
      throw new Error(`The server reported token ${entry?.modelId ?? id} only by its id, not its text, so the text cannot be continued from it.`);
    });
  }

  private join(ids: readonly number[], unknown: (entry: Entry | undefined, id: number) => Uint8Array): string {
    const parts = ids.map((id) => this.entries[id]?.bytes ?? unknown(this.entries[id], id));
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      all.set(p, offset);
      offset += p.length;
    }
    return decoder.decode(all);
  }

  private add(key: string, entry: Entry): number {
    const id = this.entries.length;
    this.entries.push(entry);
    this.byKey.set(key, id);
    return id;
  }
}
