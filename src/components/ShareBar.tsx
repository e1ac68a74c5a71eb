/**
 * "Share link" for a lab: the lab's state in the address's fragment (compressed), or a message saying it is too long;
 * and what happened when a shared link was opened.
 */
import { useState } from 'react';
import { dismissShareNotice, makeLabLink, useShareStore } from '../state/share/links';
import type { ShareLab } from '../state/share/labState';

export function ShareBar({ lab }: { lab: ShareLab }) {
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const notice = useShareStore((s) => s.notice);
  const mine = notice && (notice.lab === lab || notice.lab === null) ? notice : null;
  const make = async () => {
    const r = await makeLabLink(lab);
    if (!r.ok) {
      setLink(null);
      setError(r.error);
      return;
    }
    setError(null);
    setLink(r.url);
    void navigator.clipboard?.writeText(r.url).catch(() => undefined);
  };
  return (
    <div className="share-bar">
      <button type="button" data-testid="share-link-button" onClick={() => void make()}>
        Share link
      </button>
      {link && (
        <label>
          Link (copied; the state travels in the link itself){' '}
          <input type="text" readOnly value={link} data-testid="share-link" onFocus={(e) => e.target.select()} />
        </label>
      )}
      {error && (
        <p className="error-box" role="alert" data-testid="share-error">
          {error}
        </p>
      )}
      {mine && (
        <p className={mine.kind === 'error' ? 'error-box' : 'muted'} role={mine.kind === 'error' ? 'alert' : 'status'} data-testid="share-notice" data-kind={mine.kind}>
          {mine.message}{' '}
          <button type="button" onClick={dismissShareNotice}>
            Dismiss
          </button>
        </p>
      )}
    </div>
  );
}
