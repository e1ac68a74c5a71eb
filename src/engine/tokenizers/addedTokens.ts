/**
 * Added / special tokens: found in the text before any other processing, greedily
 * (at each position the longest token that starts there, scanning left to right),
 * exactly like the DictionarySplitter of Transformers.js and tiktoken's special-token regex.
 */

interface TrieNode {
  children: Map<number, TrieNode>;
  id: number; // -1 if no token ends here
}

export interface AddedMatch {
  start: number;
  end: number;
  id: number;
}

export class AddedTokenMatcher {
  private root: TrieNode = { children: new Map(), id: -1 };
  private first = new Uint8Array(65536);
  readonly maxLength: number;
  readonly size: number;
  /** code-unit bigrams that occur inside some token: a split between them could cut a token */
  readonly bigrams = new Set<number>();

  constructor(tokens: readonly { content: string; id: number }[]) {
    let maxLength = 0;
    let size = 0;
    for (const { content, id } of tokens) {
      if (content.length === 0) continue;
      size++;
      maxLength = Math.max(maxLength, content.length);
      this.first[content.charCodeAt(0)] = 1;
      let node = this.root;
      for (let i = 0; i < content.length; i++) {
        const c = content.charCodeAt(i);
        if (i > 0) this.bigrams.add(content.charCodeAt(i - 1) * 65536 + c);
        let child = node.children.get(c);
        if (!child) {
          child = { children: new Map(), id: -1 };
          node.children.set(c, child);
        }
        node = child;
      }
      if (node.id === -1) node.id = id;
    }
    this.maxLength = maxLength;
    this.size = size;
  }

  /** All matches in text[from, to), in order. */
  scan(text: string, from: number, to: number): AddedMatch[] {
    const out: AddedMatch[] = [];
    if (this.size === 0) return out;
    const first = this.first;
    let i = from;
    while (i < to) {
      if (first[text.charCodeAt(i)] === 0) {
        i++;
        continue;
      }
      let node: TrieNode | undefined = this.root;
      let bestEnd = -1;
      let bestId = -1;
      for (let j = i; j < to; j++) {
        node = node.children.get(text.charCodeAt(j));
        if (!node) break;
        if (node.id >= 0) {
          bestEnd = j + 1;
          bestId = node.id;
        }
      }
      if (bestEnd > 0) {
        out.push({ start: i, end: bestEnd, id: bestId });
        i = bestEnd;
      } else {
        i++;
      }
    }
    return out;
  }

  /** Whether a token could span the boundary between these two code units. */
  spans(left: number, right: number): boolean {
    return this.bigrams.has(left * 65536 + right);
  }
}
