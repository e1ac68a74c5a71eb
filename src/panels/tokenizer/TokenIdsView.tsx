import { useMemo, useState } from 'react';
import type { Tokenization } from '../../state/tokenizerStore';

/** The IDs as a JSON array, the form an API or a model actually receives. */
export function TokenIdsView({ result }: { result: Tokenization }) {
  const json = useMemo(() => `[${Array.prototype.join.call(result.payload.ids, ', ')}]`, [result]);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(json);
      setCopied('Copied.');
    } catch {
      setCopied('The browser refused clipboard access: select the list and copy it by hand.');
    }
  };
  return (
    <div className="ids-view">
      <div className="row">
        <button type="button" onClick={copy} data-testid="copy-ids">
          Copy IDs
        </button>
        <span role="status" className="muted">
          {copied}
        </span>
      </div>
      <pre className="ids" data-testid="token-ids" tabIndex={0} aria-label="Token IDs as a JSON array">
        {json}
      </pre>
    </div>
  );
}
