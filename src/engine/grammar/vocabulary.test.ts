import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { countAllowed, isTokenAllowed } from './bitmask';
import { grammarVocabularyOf, type TokenizerJson } from './vocabulary';

const modelsDir = resolve(__dirname, '../../../public/models');

describe('grammarVocabularyOf', () => {
  it('reads the embedded model from its loaded tokenizer as from its tokenizer.json', async () => {
    env.allowRemoteModels = false;
    env.localModelPath = `${modelsDir}/`;
    const tokenizer = await AutoTokenizer.from_pretrained('nexttoken-base');
    const json = JSON.parse(readFileSync(`${modelsDir}/nexttoken-base/tokenizer.json`, 'utf8')) as TokenizerJson;
    const vocab = grammarVocabularyOf(tokenizer, 8192, [0]);
    expect(vocab).toEqual(grammarVocabularyOf(json, 8192, [0]));
    expect(vocab).toMatchObject({ vocabType: 'byte_level', prependSpace: false, vocabSize: 8192, stopTokenIds: [0] });
    expect(vocab.encoded).toHaveLength(8192);
    expect(vocab.encoded[0]).toBe(''); // <|endoftext|>: special, never text
    expect(vocab.encoded[tokenizer.encode(' the', { add_special_tokens: false })[0]]).toBe('Ġthe');
  });

  it('pads to the model size, spells added text tokens byte-level, detects SentencePiece byte fallback', () => {
    const byteLevel: TokenizerJson = {
      model: { type: 'BPE', vocab: { a: 0, b: 1 } },
      added_tokens: [{ id: 2, content: ' é\n', special: false }, { id: 3, content: '</s>', special: true }],
      decoder: { type: 'ByteLevel' },
    };
    expect(grammarVocabularyOf(byteLevel, 6, [3, 9])).toEqual({ encoded: ['a', 'b', 'ĠÃ©Ċ', '', '', ''], vocabType: 'byte_level', prependSpace: false, vocabSize: 6, stopTokenIds: [3] });
    const sentencePiece: TokenizerJson = {
      model: { type: 'Unigram', vocab: [['<unk>', 0], ['▁a', -1], ['<0x0A>', -2]] },
      normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace' }] },
      decoder: { type: 'Sequence', decoders: [{ type: 'Replace' }, { type: 'ByteFallback' }, { type: 'Fuse' }] },
    };
    expect(grammarVocabularyOf(sentencePiece, 3, [])).toMatchObject({ encoded: ['<unk>', '▁a', '<0x0A>'], vocabType: 'byte_fallback', prependSpace: true });
    expect(grammarVocabularyOf({ model: { vocab: { x: 0 } }, decoder: null }, 1, []).vocabType).toBe('raw');
  });
});

describe('bitmask', () => {
  it('reads bit id % 32 of word id >> 5, and counts within the vocabulary', () => {
    const mask = new Int32Array([0b101, 1 << 31, -1]);
    expect([0, 1, 2, 63, 64, 95].map((id) => isTokenAllowed(mask, id))).toEqual([true, false, true, true, true, true]);
    expect(countAllowed(mask, 96)).toBe(35);
    expect(countAllowed(mask, 70)).toBe(9);
  });
});
