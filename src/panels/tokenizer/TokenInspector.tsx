import type { Tokenization } from '../../state/tokenizerStore';
import { escapeTokenText, hexBytes, tokenView } from './tokenDisplay';
import { formatCount } from '../../state/formatCount';

/** Details of the hovered or focused token: ID, exact text, UTF-8 bytes, span. */
export function TokenInspector({ result, index }: { result: Tokenization; index: number | null }) {
  if (index === null || index >= result.payload.ids.length) {
    return (
      <p className="inspector muted" data-testid="token-inspector">
        Hover or focus a token to see its ID, exact text and bytes.
      </p>
    );
  }
  const t = tokenView(result.payload, result.text, index);
  return (
    <dl className="inspector" data-testid="token-inspector">
      <div>
        <dt>Token</dt>
        <dd>#{formatCount(index + 1)}</dd>
      </div>
      <div>
        <dt>ID</dt>
        <dd data-testid="inspector-id">{t.id}</dd>
      </div>
      <div>
        <dt>Text</dt>
        <dd data-testid="inspector-text">
          {t.text === null ? <em>not a whole character on its own (a byte piece)</em> : <code>"{escapeTokenText(t.text)}"</code>}
          {t.special && <span className="badge">special</span>}
        </dd>
      </div>
      <div>
        <dt>UTF-8 bytes</dt>
        <dd data-testid="inspector-bytes">
          <code>{hexBytes(t.bytes) || '(none)'}</code> ({t.bytes.length} byte{t.bytes.length === 1 ? '' : 's'})
        </dd>
      </div>
      <div>
        <dt>Characters</dt>
        <dd>
          {t.start === t.end ? 'added by the tokenizer (not in the text)' : `${t.start}–${t.end}`}
        </dd>
      </div>
    </dl>
  );
}
