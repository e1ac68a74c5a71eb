import { useEffect, useId, useState, type InputHTMLAttributes } from 'react';
import { formatCount } from '../state/formatCount';

interface Props extends Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'min' | 'max' | 'type'> {
  value: number;
  min: number;
  max: number;
  /** only whole numbers are valid */
  integer?: boolean;
  /** called with a valid number only */
  onCommit(value: number): void;
}

/**
 * A number input that holds what the user types while they type (it can be cleared, "0." can be typed) and
 * commits the value only when it is valid; otherwise it says the allowed range and the last valid value stays in use.
 */
export function NumberField({ value, min, max, integer = false, onCommit, onBlur, ...rest }: Props) {
  const [draft, setDraft] = useState(String(value));
  const [focused, setFocused] = useState(false);
  const errorId = useId();
  // a change from elsewhere (a slider, a stored value) shows unless the user is typing here
  useEffect(() => {
    if (!focused) setDraft(String(value));
  }, [value, focused]);
  const problem = validate(draft, min, max, integer);
  return (
    <>
      <input
        {...rest}
        type="number"
        min={min}
        max={max}
        value={draft}
        aria-invalid={problem !== null}
        aria-describedby={[rest['aria-describedby'], problem ? errorId : null].filter(Boolean).join(' ') || undefined}
        onFocus={() => setFocused(true)}
        onChange={(e) => {
          setDraft(e.target.value);
          const n = Number(e.target.value);
          if (validate(e.target.value, min, max, integer) === null && n !== value) onCommit(n);
        }}
        onBlur={(e) => {
          setFocused(false);
          setDraft(String(value));
          onBlur?.(e);
        }}
      />
      {problem && (
        <span id={errorId} className="field-error" role="alert" data-testid="number-field-error">
          {problem}
        </span>
      )}
    </>
  );
}

function validate(text: string, min: number, max: number, integer: boolean): string | null {
  const range = `${integer ? 'a whole number' : 'a number'} from ${formatCount(min)} to ${formatCount(max)}`;
  if (text.trim() === '') return `Type ${range}.`;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) return `Allowed: ${range}; the last valid value stays in use.`;
  return null;
}
