/**
 * The engine worker's pool of tokenizer helpers, with helpers that run in this thread (Node has no Web Workers):
 * a large text split across them gives the whole text's tokens, and a cancelled encode stops its helpers.
 */
import { describe, expect, it } from 'vitest';
import { loadBuiltinTokenizer, type BuiltinTokenizerId, type TextTokenizer } from './tokenizers';
import { nodeSource } from './tokenizers/nodeSources';
import { mixedText, prose } from './tokenizers/testCorpus';
import { PARALLEL_MIN_CHARS, TokenizerPool, type HelperReply, type HelperRequest } from './tokenizerPool';
import { TokenizerService, packEncoding } from './tokenizerService';
import type { TokenizedPayload, TokenizeResponse } from './protocol';

const loaded = new Map<string, Promise<TextTokenizer>>();
function load(id: string): Promise<TextTokenizer> {
  if (!loaded.has(id)) loaded.set(id, loadBuiltinTokenizer(id as BuiltinTokenizerId, nodeSource));
  return loaded.get(id)!;
}

/** A helper as tokenizerHelper.ts is, answering on a later task; `hold` keeps encode requests unanswered. */
class InThreadHelper {
  onmessage: ((e: MessageEvent<HelperReply>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  terminated = false;
  encodes = 0;
  constructor(private readonly hold: boolean) {}

  postMessage(msg: HelperRequest): void {
    void (async () => {
      const tok = await load(msg.tokenizerId);
      await new Promise((r) => setTimeout(r, 0));
      if (this.terminated) return;
      if (msg.type === 'load') return this.reply({ type: 'loaded', tokenizerId: msg.tokenizerId });
      this.encodes++;
      if (this.hold) return;
      const { ids, offsets } = tok.encode(msg.text, { specialTokens: msg.special, template: false });
      this.reply({ type: 'encoded', job: msg.job, ids, offsets });
    })();
  }

  terminate(): void {
    this.terminated = true;
  }

  private reply(data: HelperReply): void {
    this.onmessage?.({ data } as MessageEvent<HelperReply>);
  }
}

function poolOf(size: number, hold = false) {
  const helpers: InThreadHelper[] = [];
  const pool = new TokenizerPool(size, () => {
    const h = new InThreadHelper(hold);
    helpers.push(h);
    return h as unknown as Worker;
  });
  return { pool, helpers };
}

/** Calls without a request identity are always answered with all the tokens. */
function wholeTokens(tokens: TokenizeResponse['tokens']): TokenizedPayload {
  if (tokens.kind !== 'whole') throw new Error('expected all the tokens, got a splice');
  return tokens.payload;
}

async function untilReady(pool: TokenizerPool, id: string, n: number): Promise<void> {
  for (let i = 0; i < 200 && pool.available(id) < n; i++) await new Promise((r) => setTimeout(r, 20));
  expect(pool.available(id)).toBe(n);
}

describe('tokenizing a large text on helper workers', () => {
  for (const [id, special] of [['o200k_base', false], ['llama3', true], ['cl100k_base', true]] as [BuiltinTokenizerId, boolean][]) {
    it(`${id}${special ? ' with special tokens' : ''}: the parts' tokens are the whole text's`, async () => {
      const { pool, helpers } = poolOf(3);
      const service = new TokenizerService(() => undefined, async () => null, pool, nodeSource);
      const text = prose(PARALLEL_MIN_CHARS * 2, 3) + mixedText(PARALLEL_MIN_CHARS, 5) + ' <|endoftext|> <|begin_of_text|>';
      // the first large text makes the helpers load the tokenizer; until they have, it is encoded here
      expect((await service.tokenize(id, text, special)).parts).toBe(1);
      await untilReady(pool, id, 3);
      const other = 'X' + text.slice(1, -1) + 'Y';
      const r = await service.tokenize(id, other, special);
      expect(r.parts).toBe(4);
      expect(helpers.reduce((n, h) => n + h.encodes, 0)).toBe(3);
      const tok = await load(id);
      const whole = packEncoding(tok, tok.encode(other, { specialTokens: special }));
      const payload = wholeTokens(r.tokens);
      expect(Array.from(payload.ids)).toEqual(Array.from(whole.ids));
      expect(Array.from(payload.offsets)).toEqual(Array.from(whole.offsets));
      expect(payload.bytes).toEqual(whole.bytes);
    });
  }

  it('a small text or a small edit stays on the engine worker', async () => {
    const { pool, helpers } = poolOf(1);
    const service = new TokenizerService(() => undefined, async () => null, pool, nodeSource);
    const text = prose(PARALLEL_MIN_CHARS * 2, 4);
    await service.tokenize('o200k_base', text, false);
    await untilReady(pool, 'o200k_base', 1);
    const at = text.indexOf(' ', text.length >> 1);
    const edited = text.slice(0, at) + ' word' + text.slice(at);
    const r = await service.tokenize('o200k_base', edited, false, { base: text, start: at, deleteCount: 0, insert: ' word' });
    expect(r.parts).toBe(1);
    expect(r.reencoded[1] - r.reencoded[0]).toBeLessThan(1000);
    expect(helpers[0].encodes).toBe(0);
  });

  it('a cancelled encode stops its helpers and leaves the session as it was', async () => {
    const { pool, helpers } = poolOf(2, true);
    const service = new TokenizerService(() => undefined, async () => null, pool, nodeSource);
    const text = prose(PARALLEL_MIN_CHARS * 3, 5);
    const first = await service.tokenize('r50k_base', text, false);
    await untilReady(pool, 'r50k_base', 2);
    const abort = new AbortController();
    const pending = service.tokenize('r50k_base', 'Z' + text.slice(1, -1) + 'Z', false, undefined, { signal: abort.signal });
    for (let i = 0; i < 200 && helpers.some((h) => h.encodes === 0); i++) await new Promise((r) => setTimeout(r, 20));
    expect(helpers.map((h) => h.encodes)).toEqual([1, 1]);
    abort.abort();
    await expect(pending).rejects.toThrow('Cancelled.');
    expect(helpers.map((h) => h.terminated)).toEqual([true, true]);
    expect(pool.available('r50k_base')).toBe(0);
    // the session still holds the first text: the same text again is no change at all
    const again = await service.tokenize('r50k_base', text, false);
    expect(again.reencoded[1] - again.reencoded[0]).toBe(0);
    expect(Array.from(wholeTokens(again.tokens).ids)).toEqual(Array.from(wholeTokens(first.tokens).ids));
  });
});
