import { promptFitActions, usePromptFit, useTooLongPrompt } from '../../state/promptFitStore';
import { formatCount } from '../../state/formatCount';

/**
 * Under the prompt: a prompt too long for the model's window says so before Generate (which it disables), with both
 * counts, and offers to keep its last tokens; after the cut, the whole prompt can be put back.
 */
export function PromptFitNotice({ id }: { id: string }) {
  const fit = useTooLongPrompt();
  const cut = usePromptFit((s) => s.cut);
  const maxNewTokens = fit ? fit.contextWindow - fit.keep.tokens : 0;
  if (fit) {
    return (
      <div id={id} className="error-box" role="alert" data-testid="prompt-too-long" data-tokens={fit.tokens} data-window={fit.contextWindow}>
        <p>
          The prompt alone is {formatCount(fit.tokens)} tokens against a {formatCount(fit.contextWindow)}-token window: nothing can be generated after it.
          The model reads the end of a text, so its last part is what matters.
        </p>
        <button type="button" data-testid="prompt-keep-end" onClick={promptFitActions.keepEnd}>
          Keep its last {formatCount(fit.keep.tokens)} tokens (room for {formatCount(maxNewTokens)} new)
        </button>
      </div>
    );
  }
  if (!cut) return null;
  return (
    <p className="muted" role="status" data-testid="prompt-cut">
      The prompt was cut to its last {formatCount(cut.tokens)} tokens ({formatCount(cut.original.length - cut.kept.length)} characters before them were
      removed).{' '}
      <button type="button" data-testid="prompt-cut-undo" onClick={promptFitActions.undoCut}>
        Put the whole prompt back
      </button>
    </p>
  );
}
