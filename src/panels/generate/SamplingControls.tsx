import { useId } from 'react';
import { generateActions, useGenerateStore } from '../../state/generateStore';
import type { SamplingSettings } from '../../engine/protocol';
import { NumberField } from '../../components/NumberField';

interface ControlSpec {
  key: keyof SamplingSettings;
  testId: string;
  label: string;
  min: number;
  max: number;
  step: number;
  hint: string;
  slider: boolean;
}

const CONTROLS: ControlSpec[] = [
  { key: 'temperature', testId: 'temperature', label: 'Temperature', min: 0, max: 2, step: 0.01, hint: '0 = always the most likely token (greedy); higher flattens the distribution', slider: true },
  { key: 'topK', testId: 'top-k', label: 'Top-k', min: 0, max: 200, step: 1, hint: 'keep only the k most likely tokens (0 = off)', slider: true },
  { key: 'topP', testId: 'top-p', label: 'Top-p', min: 0.01, max: 1, step: 0.01, hint: 'keep the smallest set whose probability reaches p (1 = off)', slider: true },
  { key: 'minP', testId: 'min-p', label: 'Min-p', min: 0, max: 1, step: 0.01, hint: 'drop tokens below min-p × the top probability (0 = off)', slider: true },
  { key: 'repetitionPenalty', testId: 'repetition-penalty', label: 'Repetition penalty', min: 0.5, max: 2, step: 0.01, hint: 'above 1 discourages tokens already in the context (1 = off)', slider: true },
  { key: 'seed', testId: 'seed', label: 'Seed', min: 0, max: 2 ** 31 - 1, step: 1, hint: 'same seed and settings → same text', slider: false },
];

function Control({ spec }: { spec: ControlSpec }) {
  const value = useGenerateStore((s) => s.settings[spec.key]);
  // a server with no request field for this setting: it samples without it; only the page's re-sampling uses it
  const notOnServer = useGenerateStore((s) => (s.model.info?.server?.unsupportedSettings as string[] | undefined)?.includes(spec.key) ?? false);
  const id = useId();
  const hintId = useId();
  const integer = spec.step === 1;
  const set = (n: number) => generateActions.setSettings({ [spec.key]: n });
  return (
    <div className="sampling-control">
      <label htmlFor={id}>{spec.label}</label>
      <NumberField id={id} data-testid={spec.testId} min={spec.min} max={spec.max} integer={integer} step={spec.step} value={value} onCommit={set} aria-describedby={hintId} />
      {spec.slider && (
        <input
          type="range"
          aria-label={`${spec.label} slider`}
          data-testid={`${spec.testId}-slider`}
          min={spec.min}
          max={spec.max}
          step={spec.step}
          value={value}
          onChange={(e) => set(Number(e.target.value))}
        />
      )}
      <span id={hintId} className="hint">
        {spec.hint}
        {notOnServer && <strong data-testid={`${spec.testId}-not-on-server`}> This server has no such setting: it acts only on the distribution shown here.</strong>}
      </span>
    </div>
  );
}

/** The sampling controls: every change re-samples the selected step at once, without running the model. */
export function SamplingControls() {
  return (
    <section className="card" aria-labelledby="sampling-heading">
      <h2 id="sampling-heading">Sampling</h2>
      <div className="sampling-grid">
        {CONTROLS.map((c) => (
          <Control key={c.key} spec={c} />
        ))}
      </div>
    </section>
  );
}
