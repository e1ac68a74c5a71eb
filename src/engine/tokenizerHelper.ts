/// <reference lib="webworker" />
/**
 * A helper of the engine worker (started by tokenizerPool.ts, from the same origin, as the Content-Security-Policy's
 * worker-src 'self' requires): loads built-in tokenizers and encodes the parts of a large text it is given.
 */
import { loadBuiltinTokenizer, type BuiltinTokenizerId, type TextTokenizer } from './tokenizers';
import type { HelperReply, HelperRequest } from './tokenizerPool';
import { sharedUntilFailure } from './sharedUntilFailure';

declare const self: DedicatedWorkerGlobalScope;

const loaded = new Map<string, Promise<TextTokenizer>>();

function tokenizer(id: string): Promise<TextTokenizer> {
  return sharedUntilFailure(loaded, id, () => loadBuiltinTokenizer(id as BuiltinTokenizerId));
}

function reply(message: HelperReply, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

self.onmessage = async (e: MessageEvent<HelperRequest>) => {
  const msg = e.data;
  try {
    const tok = await tokenizer(msg.tokenizerId);
    if (msg.type === 'load') {
      reply({ type: 'loaded', tokenizerId: msg.tokenizerId });
      return;
    }
    const { ids, offsets } = tok.encode(msg.text, { specialTokens: msg.special, template: false });
    reply({ type: 'encoded', job: msg.job, ids, offsets }, [ids.buffer, offsets.buffer]);
  } catch (err) {
    reply({ type: 'failed', tokenizerId: msg.tokenizerId, job: msg.type === 'encode' ? msg.job : undefined, message: err instanceof Error ? err.message : String(err) });
  }
};
