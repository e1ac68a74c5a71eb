import { describe, expect, it } from 'vitest';
import { loadBuiltinTokenizer, type BuiltinTokenizerId } from './tokenizers';
import { nodeSource } from './tokenizers/nodeSources';
import { Mulberry32 } from './sampling/rng';
import { packEncoding, TokenizerService } from './tokenizerService';
import { TokenBuffers } from './tokenSplice';
import type { TokenizedPayload } from './protocol';

const PIECES = ['The quick brown fox ', 'jumps', ' over ', '日本語', '🧩', '👨‍👩‍👧', '\n', '  ', '\t', '12345', 'don\'t', '<|endoftext|>', 'x', 'é'];

function randomText(rng: Mulberry32, length: number): string {
  let s = '';
  while (s.length < length) s += PIECES[Math.floor(rng.next() * PIECES.length)];
  return s;
}

function plain(p: TokenizedPayload) {
  return { ids: [...p.ids], offsets: [...p.offsets], byteEnds: [...p.byteEnds], bytes: [...p.bytes], special: [...p.special] };
}

describe('an edit is answered as a splice of the tokens the caller holds', () => {
  for (const id of ['o200k_base', 'gemma3'] as BuiltinTokenizerId[]) {
    it(`${id}: each splice applied to the previous tokens equals packing the new text whole, edit after edit`, async () => {
      const tok = await loadBuiltinTokenizer(id, nodeSource);
      const service = new TokenizerService(() => undefined, async () => null, null, nodeSource);
      const rng = new Mulberry32(7);
      let requestId = 0;
      for (const specialTokens of [false, true]) {
        let text = randomText(rng, 3000);
        const first = await service.tokenize(id, text, specialTokens, undefined, { identity: { requestId: ++requestId } });
        if (first.tokens.kind !== 'whole') throw new Error('a text sent whole is answered whole');
        let held = first.tokens.payload;
        let buffers = new TokenBuffers(held);
        let splices = 0;
        for (let edit = 0; edit < 60; edit++) {
          const at = Math.floor(rng.next() * (text.length + 1));
          const deleteCount = rng.next() < 0.4 ? Math.min(text.length - at, Math.floor(rng.next() * 4)) : 0;
          const insert = rng.next() < 0.7 ? PIECES[Math.floor(rng.next() * PIECES.length)] : '';
          const next = text.slice(0, at) + insert + text.slice(at + deleteCount);
          const r = await service.tokenize(id, next, specialTokens, { base: text, start: at, deleteCount, insert }, { identity: { requestId: ++requestId, baseRequestId: requestId - 1 } });
          if (r.tokens.kind === 'splice') {
            splices++;
            expect(r.tokens.splice.baseRequestId).toBe(requestId - 1);
            held = buffers.apply(r.tokens.splice);
          } else buffers = new TokenBuffers((held = r.tokens.payload));
          expect(plain(held)).toEqual(plain(packEncoding(tok, tok.encode(next, { specialTokens }))));
          expect(r.tokenCount).toBe(held.ids.length);
          text = next;
        }
        expect(splices).toBe(60);
      }
    });
  }

  it('answers whole when the edit is based on a request this session did not answer last', async () => {
    const service = new TokenizerService(() => undefined, async () => null, null, nodeSource);
    const text = 'Hello there, world.';
    await service.tokenize('o200k_base', text, false, undefined, { identity: { requestId: 1 } });
    // request 2 went to another tokenizer; request 3 edits request 2's text
    await service.tokenize('cl100k_base', text, false, undefined, { identity: { requestId: 2 } });
    const edit = { base: text, start: 5, deleteCount: 0, insert: '!' };
    const next = 'Hello! there, world.';
    const r = await service.tokenize('o200k_base', next, false, edit, { identity: { requestId: 3, baseRequestId: 2 } });
    expect(r.tokens.kind).toBe('whole');
    // and the next edit, based on request 3, is a splice again
    const after = await service.tokenize('o200k_base', next + '?', false, { base: next, start: next.length, deleteCount: 0, insert: '?' }, { identity: { requestId: 4, baseRequestId: 3 } });
    expect(after.tokens.kind).toBe('splice');
  });
});

describe('TokenBuffers', () => {
  it('refuses a splice that keeps more tokens than its base has', () => {
    const base = { ids: new Uint32Array(2), offsets: new Uint32Array(4), byteEnds: new Uint32Array(2), bytes: new Uint8Array(0), special: new Uint8Array(2) };
    const middle = { ids: new Uint32Array(0), offsets: new Uint32Array(0), byteEnds: new Uint32Array(0), bytes: new Uint8Array(0), special: new Uint8Array(0) };
    expect(() => new TokenBuffers(base).apply({ baseRequestId: 1, keptBefore: 2, keptAfter: 1, offsetDelta: 0, middle })).toThrow(RangeError);
  });
});
