/**
 * Reference IDs for end-to-end checks, from the same independent references the
 * unit tests use (js-tiktoken; Hugging Face tokenizers on the published tokenizer.json).
 */
import { loadReference, type ReferenceEncoder } from '../../src/engine/tokenizers/referenceTokenizers';
import type { BuiltinTokenizerId } from '../../src/engine/tokenizers';

const cache = new Map<string, Promise<ReferenceEncoder>>();

function reference(id: string): Promise<ReferenceEncoder> {
  let r = cache.get(id);
  if (!r) {
    r = loadReference(id as BuiltinTokenizerId);
    cache.set(id, r);
  }
  return r;
}

/** The IDs of the text's own tokens (nothing added, special-token text treated as text). */
export async function referenceIds(tokenizerId: string, text: string): Promise<number[]> {
  return (await reference(tokenizerId))(text, false);
}

/** The IDs with the tokenizer's special tokens added and special-token text parsed. */
export async function referenceIdsWithSpecials(tokenizerId: string, text: string): Promise<number[]> {
  return (await reference(tokenizerId))(text, true);
}
