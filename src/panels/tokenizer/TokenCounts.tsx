import type { Tokenization } from '../../state/tokenizerStore';
import { formatCount } from '../../state/formatCount';

function ratio(a: number, b: number): string {
  return b === 0 ? '—' : (a / b).toFixed(2);
}

/** Tokens, characters, words and the two ratios behind "1 token ≈ ¾ of a word". */
export function TokenCounts({ result }: { result: Tokenization }) {
  const { characters, words } = result;
  const tokens = result.payload.ids.length;
  const items: [string, string, string][] = [
    ['Tokens', formatCount(tokens), 'token-count-label'],
    ['Characters', formatCount(characters), 'char-count'],
    ['Words', formatCount(words), 'word-count'],
    ['Characters / token', ratio(characters, tokens), 'chars-per-token'],
    ['Tokens / word', ratio(tokens, words), 'tokens-per-word'],
  ];
  return (
    <div className="counts" aria-label="Counts">
      <div className="count">
        <span className="count-value" data-testid="token-count">
          {tokens}
        </span>
        <span className="count-label">Tokens</span>
      </div>
      {items.slice(1).map(([label, value, testId]) => (
        <div className="count" key={label}>
          <span className="count-value" data-testid={testId}>
            {value}
          </span>
          <span className="count-label">{label}</span>
        </div>
      ))}
      <p className="count-note">
        Rule of thumb: 1 token ≈ ¾ of an English word (≈ 1.33 tokens per word). Your text: {ratio(tokens, words)} tokens per word,
        tokenized in {result.ms.toFixed(1)} ms.
      </p>
    </div>
  );
}
