import { useDeferredValue, useEffect, useId, useState } from 'react';
import { tokenizerActions, useTokenizerStore, MAX_PERSISTED_CHARS } from '../../state/tokenizerStore';
import { TOKENIZER_CATALOG, tokenizerLabel } from '../../state/tokenizerCatalog';
import { makeShareLink } from '../../state/shareLink';
import { TokenChips } from './TokenChips';
import { TokenCounts } from './TokenCounts';
import { TokenIdsView } from './TokenIdsView';
import { TokenInspector } from './TokenInspector';
import { CompareView } from './CompareView';
import { TextEditor } from '../../components/TextEditor';
import { useGenerateStore } from '../../state/generateStore';

function formatSize(chars: number): string {
  return chars >= 1e6 ? `${(chars / 1e6).toFixed(1)} M characters` : chars >= 1e3 ? `${(chars / 1e3).toFixed(0)} k characters` : `${chars} characters`;
}

/** `on`, once it has stayed true for `ms` (off at once). */
function useLasting(on: boolean, ms: number): boolean {
  const [lasting, setLasting] = useState(false);
  useEffect(() => {
    if (!on) {
      setLasting(false);
      return;
    }
    const timer = setTimeout(() => setLasting(true), ms);
    return () => clearTimeout(timer);
  }, [on, ms]);
  return on && lasting;
}

function StatusLine() {
  const status = useTokenizerStore((s) => s.status);
  const error = useTokenizerStore((s) => s.error);
  const tokenizerId = useTokenizerStore((s) => s.tokenizerId);
  const length = useTokenizerStore((s) => s.text.length);
  // a keystroke in a large text is re-tokenized within a frame: show progress only for work that lasts
  const busy = useLasting(status === 'loading-tokenizer' || (status === 'tokenizing' && length > 50_000), 150);
  if (status === 'error' && error) {
    return (
      <p role="alert" className="error-box" data-testid="tokenizer-error">
        {error}
      </p>
    );
  }
  return (
    <div className="status-line" role="status" aria-live="polite" data-testid="tokenizer-status" data-status={status}>
      {busy && (
        <>
          <progress aria-label={status === 'loading-tokenizer' ? 'Loading tokenizer' : 'Tokenizing'} />
          <span>
            {status === 'loading-tokenizer' ? `Loading the ${tokenizerLabel(tokenizerId)} vocabulary…` : `Tokenizing ${formatSize(length)}…`}
          </span>
        </>
      )}
    </div>
  );
}

/** The editor bound to the lab's text (its own subscription, so typing re-renders only it). */
function LabTextEditor({ id, onShowTokens }: { id: string; onShowTokens(offset: number): void }) {
  const text = useTokenizerStore((s) => s.text);
  return <TextEditor id={id} testId="tokenizer-input" text={text} onText={tokenizerActions.setText} onShowTokens={onShowTokens} wholeTextIs="tokenized" />;
}

function TooLargeToKeep() {
  const length = useTokenizerStore((s) => s.text.length);
  if (length <= MAX_PERSISTED_CHARS) return null;
  return <p className="muted">This text is too large to keep across reloads ({formatSize(length)}); smaller texts are saved in this browser.</p>;
}

// The panel itself does not follow the text: a keystroke re-renders the editor, not the whole lab.
export function TokenizerPanel() {
  const tokenizerId = useTokenizerStore((s) => s.tokenizerId);
  const specialTokens = useTokenizerStore((s) => s.specialTokens);
  const view = useTokenizerStore((s) => s.view);
  const result = useTokenizerStore((s) => s.result);
  // the counts follow each result at once; the chips, the inspector and the ids follow in a render of their own,
  // which React can cut into short tasks: after a keystroke in a large text the count is on screen without
  // waiting for a page of 2,000 chips to be compared and drawn
  const shown = useDeferredValue(result);
  const persisted = useTokenizerStore((s) => s.persisted);
  const { setTokenizer, setSpecialTokens, setView, showTokensAt } = tokenizerActions;
  // the tokenizer of whichever model the Generate lab has loaded (a Hub model included)
  const loadedModelId = useGenerateStore((s) => s.model.info?.modelId ?? null);
  const extraModel = loadedModelId && !TOKENIZER_CATALOG.some((t) => t.id === loadedModelId) ? loadedModelId : null;
  const [inspected, setInspected] = useState<number | null>(null);
  const [shareMessage, setShareMessage] = useState<string | null>(null);
  const ids = { select: useId(), input: useId(), special: useId(), explain: useId() };

  useEffect(() => tokenizerActions.start(), []);
  useEffect(() => setInspected(null), [result?.tokenizerId]);

  const share = async () => {
    const link = makeShareLink({ text: useTokenizerStore.getState().text, tokenizerId, specialTokens });
    if (!link) {
      setShareMessage('Texts over 2,000 characters are too long for a link; they are kept in this browser instead.');
      return;
    }
    history.replaceState(null, '', link);
    try {
      await navigator.clipboard.writeText(link);
      setShareMessage('Link copied (the text travels in the link fragment, never to a server).');
    } catch {
      setShareMessage('Link is in the address bar.');
    }
  };

  return (
    <div className="tokenizer-lab">
      <section className="card" aria-label="Text and tokenizer">
        <div className="controls">
          <label htmlFor={ids.select}>Tokenizer</label>
          <select id={ids.select} data-testid="tokenizer-select" value={tokenizerId} onChange={(e) => setTokenizer(e.target.value)}>
            {TOKENIZER_CATALOG.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label} — {t.models}
              </option>
            ))}
            {extraModel && <option value={extraModel}>{extraModel} — the loaded model</option>}
            {tokenizerId !== extraModel && !TOKENIZER_CATALOG.some((t) => t.id === tokenizerId) && <option value={tokenizerId}>{tokenizerId}</option>}
          </select>
          <span className="checkbox">
            <input
              id={ids.special}
              type="checkbox"
              data-testid="special-tokens"
              checked={specialTokens}
              onChange={(e) => setSpecialTokens(e.target.checked)}
              aria-describedby={ids.explain}
            />
            <label htmlFor={ids.special}>Special tokens</label>
          </span>
          <button type="button" onClick={share} data-testid="share-link">
            Share link
          </button>
        </div>
        <p id={ids.explain} className="explain">
          {specialTokens
            ? 'On: the tokenizer adds the model’s own special tokens (for example a begin-of-text token) and text such as <|endoftext|> becomes that single special token — what a model sees when it runs.'
            : 'Off: only the text’s own tokens. Nothing is added, and text such as <|endoftext|> is split like any other text — what you get when you count the tokens of user input.'}
        </p>
        {shareMessage && (
          <p className="muted" role="status">
            {shareMessage}
          </p>
        )}
        <label htmlFor={ids.input} className="block-label">
          Text to tokenize
        </label>
        <LabTextEditor id={ids.input} onShowTokens={showTokensAt} />
        {!persisted && <TooLargeToKeep />}
        <StatusLine />
      </section>

      {result && (
        <section className="card" aria-label="Tokens">
          <TokenCounts result={result} />
          <div className="row view-switch" role="radiogroup" aria-label="Show tokens as">
            <label>
              <input type="radio" name="token-view" checked={view === 'chips'} onChange={() => setView('chips')} /> Tokens over the text
            </label>
            <label>
              <input type="radio" name="token-view" checked={view === 'ids'} onChange={() => setView('ids')} data-testid="view-ids" /> Token IDs
            </label>
          </div>
          {shown &&
            (view === 'chips' ? (
              <>
                <TokenChips result={shown} onInspect={setInspected} />
                {/* the latest tokens: a splice updates the arrays of earlier ones in place (tokenSplice.ts) */}
                <TokenInspector result={result} index={inspected} />
              </>
            ) : (
              <TokenIdsView result={shown} />
            ))}
        </section>
      )}
      <CompareView />
    </div>
  );
}
