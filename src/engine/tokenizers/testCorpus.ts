/** Tricky strings and a seeded generator of mixed text, shared by the reference tests and the benchmark. */

export const TRICKY_STRINGS: readonly string[] = [
  '',
  'Hello, world!',
  'Tokenization is fascinating!',
  '👍🏽 👩‍👩‍👧‍👦 🏳️‍🌈 🇯🇵🇺🇸 ❤️‍🔥 🧑🏿‍🚀',
  '日本語のテキストと中文文本，还有한국어 텍스트。',
  'مرحبا بالعالم — שלום עולם (RTL) ‏mixed‎ text',
  'नमस्ते दुनिया, हिन्दी देवनागरी लिपि',
  'def f(x):\n\tif x > 0:\n\t\treturn x ** 2\n    return -x  # comment\n',
  'const a = { "key": [1, 2, 3], nested: { b: null } };\n\n  console.log(a?.nested ?? "none");',
  '{\n  "name": "nexttoken",\n  "version": "0.1.0",\n  "list": [\n    1,\n    2\n  ]\n}',
  '3.14159265358979323846264338327950288419716939937510 and 1234567890123 and 1,000,000.00',
  '   leading spaces',
  'trailing spaces   ',
  'multiple     spaces   between\t\twords',
  'windows\r\nline\r\nendings\r\n',
  'a\n\n\nb\n\n\n\n\nc',
  'Pneumonoultramicroscopicsilicovolcanoconiosis supercalifragilisticexpialidocious',
  'a'.repeat(300),
  ' '.repeat(200) + 'x',
  '\n'.repeat(70) + 'y',
  '!!!!!!!!!!!!!!!!!!!!?????????????.........',
  'NUL\u0000char and \u0001\u0002\u001b[31mcontrol\u007f chars',
  'zero\u200Bwidth\u200Cjoiner\u200Dand\uFEFFbom\u2060word',
  'lone high \uD83D surrogate and lone low \uDC4D one\uD800',
  '<div class="x">Hello <b>world</b></div><script>alert(1)</script>',
  '<|endoftext|> <|im_start|>user\nhi<|im_end|> <bos><eos><start_of_turn> <｜begin▁of▁sentence｜> <think>',
  "it's I'M you're THEY'VE we'll he'd 'S",
  'ǅungla Ångström e\u0301 A\u030A ﬁ Ⅻ ½ ２０２４ Ｈｅｌｌｏ',
  '▁▁ already ▁ metaspace ▁chars',
  'tabs\tand\u000bvertical\u000cfeed\u0085nel\u00a0nbsp\u2028ls\u3000ideographic',
  'URL https://example.com/path?q=1&r=2#frag and email a.b@c.de',
  '```ts\nfunction f<T>(x: T): T {\n  return x;\n}\n```',
  '   \n   \n\t\n',
  '$$\\sum_{i=1}^{n} i^2 = \\frac{n(n+1)(2n+1)}{6}$$',
];

/** Deterministic PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'the', ' the', 'The', ' quick', ' brown', ' fox', 'ing', "'s", "'LL", ' ', '  ', '   ', '\t', '\n', '\n\n', '\r\n', '\r',
  '0', '12', '345', '67890', '3.14', '1,000', '.', ',', '!', '?', '...', '/', '//', '/*', '*/', '(', ')', '{', '}', '[', ']', '"', "'",
  '<', '>', '</', '=>', '::', '#', '@', '_', '-', '--', '—', '…',
  '日本', '語', '中文', '，', '。', 'テスト', 'ひらがな', '한국어',
  'مرحبا', 'שלום', 'नमस्ते', 'привет', 'Ελληνικά',
  '👍', '🏽', '👩‍👩‍👧', '\u200D', '🇯🇵', '🏳️‍🌈', '❤️', '\uFE0F',
  '\u200B', '\uFEFF', '\u0000', '\u0001', '\u007f', '\u0085', '\u00a0', '\u3000',
  '\uD83D', '\uDC4D', 'e\u0301', 'A\u030A', 'ﬁ', '▁', '▁▁',
  '<|endoftext|>', '<bos>', '<|im_start|>', '<think>', '<｜end▁of▁sentence｜>', '<unused0>', '<|begin_of_text|>',
  'def ', 'return ', 'function', 'const ', '    ', '\t\t', 'aaaaaaaa', 'xyzzy', 'QWERTY', 'camelCase', 'snake_case',
];

/** A random string mixing PIECES (about `length` UTF-16 units). */
export function fuzzText(seed: number, length: number): string {
  const rand = mulberry32(seed);
  let s = '';
  while (s.length < length) s += PIECES[Math.floor(rand() * PIECES.length)];
  return s;
}

/** English-like prose of about `bytes` characters. */
export function prose(bytes: number, seed = 1): string {
  const words = 'the of and to in is was that for it with as his on be at by had are but from or have an they which one you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(' ');
  const rand = mulberry32(seed);
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    let sentence = '';
    const len = 5 + Math.floor(rand() * 20);
    for (let i = 0; i < len; i++) sentence += (i ? ' ' : '') + words[Math.floor(rand() * words.length)];
    sentence = sentence[0].toUpperCase() + sentence.slice(1) + (rand() < 0.1 ? '?' : '.') + (rand() < 0.15 ? '\n\n' : ' ');
    parts.push(sentence);
    n += sentence.length;
  }
  return parts.join('');
}

/** Mixed code / CJK / emoji / prose text of about `bytes` characters. */
export function mixedText(bytes: number, seed = 2): string {
  const rand = mulberry32(seed);
  const blocks = [
    () => prose(300 + Math.floor(rand() * 400), Math.floor(rand() * 1e9)),
    () => 'function add(a, b) {\n\treturn a + b; // sum\n}\nconst xs = [1, 2, 3].map((x) => x * 2);\n',
    () => 'def main():\n    for i in range(10):\n        print(f"{i:03d}")\n\n',
    () => '日本語の文章を書きます。これはテストです。中文文本也在这里，包括标点符号。',
    () => '👍🏽 great! 👩‍👩‍👧‍👦 family 🇯🇵 flag ❤️‍🔥 — emoji everywhere 🎉🎉🎉 ',
    () => '{"id": 12345, "name": "Ünïcödé", "tags": ["a", "b"], "value": 3.14159}\n',
    () => 'مرحبا بالعالم. שלום עולם. नमस्ते दुनिया। Привет, мир! ',
  ];
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    const s = blocks[Math.floor(rand() * blocks.length)]();
    parts.push(s);
    n += s.length;
  }
  return parts.join('');
}

/** Prose made of random pseudo-words: nearly every word is new, so per-word caches do not help (a cold-cache worst case). */
export function novelWords(bytes: number, seed = 5): string {
  const rand = mulberry32(seed);
  const letters = 'etaoinshrdlcumwfgypbvkjxqz';
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    const len = 2 + Math.floor(rand() * 9);
    let w = '';
    for (let i = 0; i < len; i++) w += letters[Math.floor(Math.pow(rand(), 1.7) * letters.length)];
    w += rand() < 0.08 ? '. ' : rand() < 0.05 ? ',\n' : ' ';
    parts.push(w);
    n += w.length;
  }
  return parts.join('');
}
