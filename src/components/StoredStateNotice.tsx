/**
 * Says so when saved settings did not validate at start-up and fell back to their defaults (persistence.ts): which
 * lab, which fields. Dismissible; the next change of those settings stores the defaults in their place.
 */
import { useState } from 'react';
import { storedStateResets } from '../state/persistence';

const LAB_OF_KEY: Record<string, string> = {
  'nexttoken.inference.v1': 'Generate',
  'nexttoken.analyse.v1': 'Analyse',
  'nexttoken.chat.v1': 'Chat & context',
  'nexttoken.tokenizer.v1': 'Tokenizer',
  'nexttoken.tab': 'the open tab',
};

export function StoredStateNotice() {
  const [dismissed, setDismissed] = useState(false);
  const resets = storedStateResets();
  if (dismissed || resets.length === 0) return null;
  return (
    <div className="notice" role="status" data-testid="stored-state-notice">
      <p>
        Some saved settings could not be read and were reset to their defaults:{' '}
        {resets.map((r, i) => (
          <span key={r.key}>
            {i > 0 && '; '}
            {LAB_OF_KEY[r.key] ?? r.key}: {r.fields.join(', ')}
          </span>
        ))}
        .
      </p>
      <button type="button" data-testid="stored-state-dismiss" onClick={() => setDismissed(true)}>
        Dismiss
      </button>
    </div>
  );
}
