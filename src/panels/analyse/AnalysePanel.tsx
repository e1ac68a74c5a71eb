import { useState } from 'react';
import { bucketLabels } from '../../engine/analyse/summary';
import { CONFIRM_ABOVE_WINDOWS, analyseActions, useAnalyseStore, type AnalyseState, type ColourMeasure } from '../../state/analyseStore';
import { useGenerateStore } from '../../state/generateStore';
import { TextEditor } from '../../components/TextEditor';
import { AnalysedText } from './AnalysedText';
import { SummaryPanel } from './SummaryPanel';
import { TokenDetails } from './TokenDetails';
import { AnalyseExport } from './AnalyseExport';
import { AnalyseInside } from '../inside/LabInside';
import { BUCKET_COLOURS, legendGradient } from './colours';
import { formatCount } from '../../state/formatCount';

function ModelLine() {
  const model = useGenerateStore((s) => s.model);
  let text: string;
  if (model.status === 'loading') text = `Loading model ${model.requestedId}…`;
  else if (model.info?.server) text = `Model: ${model.info.modelId} on ${model.info.server.origin} (the text is sent there to be scored). Change it in the Generate tab.`;
  else if (model.info) text = `Model: ${model.info.modelId} (${model.info.contextWindow}-token window, ${formatCount(model.info.vocabSize)} vocabulary entries). Change it in the Generate tab.`;
  else if (model.error) text = `Model ${model.requestedId} could not be loaded: ${model.error}`;
  else text = `No model loaded yet: analysing loads ${model.requestedId}.`;
  return (
    <p className="status-line" data-testid="analyse-model">
      {text}
    </p>
  );
}

function InputCard() {
  const text = useAnalyseStore((s) => s.text);
  const status = useAnalyseStore((s) => s.status);
  const progress = useAnalyseStore((s) => s.progress);
  const confirm = useAnalyseStore((s) => s.confirm);
  const error = useAnalyseStore((s) => s.error);
  const stored = useAnalyseStore((s) => s.stored);
  const running = status === 'running';
  return (
    <section className="card" aria-labelledby="analyse-h">
      <h2 id="analyse-h">Analyse a text</h2>
      <p className="explain">
        One pass of the model over a text tells, at every position, how likely it found the token that actually came next: its probability, its rank
        among all vocabulary entries (1 = the model's top choice), its surprisal (−log₂ p, in bits) and how uncertain the model was there (entropy).
        Everything runs in your browser.
      </p>
      <ModelLine />
      <label className="block-label" htmlFor="analyse-input">
        Text to analyse
      </label>
      <TextEditor id="analyse-input" testId="analyse-input" text={text} onText={analyseActions.setText} rows={6} wholeTextIs="analysed" />
      {!stored && <p className="muted">This browser does not keep the text between visits (storage is full or disabled).</p>}
      <div className="controls">
        <button type="button" className="primary" data-testid="analyse-run" onClick={analyseActions.run} disabled={running}>
          Analyse
        </button>
        {running && (
          <button type="button" data-testid="analyse-cancel" onClick={analyseActions.cancel}>
            Cancel
          </button>
        )}
        <button type="button" data-testid="analyse-take-prompt" onClick={analyseActions.takePrompt} disabled={running}>
          Use the Generate tab's prompt
        </button>
        <button type="button" data-testid="analyse-take-generation" onClick={analyseActions.takeGeneration} disabled={running}>
          Use the last generation
        </button>
      </div>
      {running && (
        <div className="a-progress">
          <label htmlFor="analyse-progress">{progress ? `Window ${progress.window} of ${progress.windows}` : 'Starting (the model may still be loading)…'}</label>
          <progress id="analyse-progress" data-testid="analyse-progress" max={progress?.tokensTotal ?? 1} value={progress?.tokensDone ?? undefined} />
        </div>
      )}
      <p className="muted" role="status" data-testid="analyse-status">
        {ANALYSE_STATUS[status]}
      </p>
      {status === 'confirm' && confirm && (
        <div className="a-confirm" role="alert" data-testid="analyse-confirm">
          <p>
            This text has {formatCount(confirm.tokens)} tokens: that is {confirm.windows} windows of the model's {confirm.contextWindow}-token context (more than{' '}
            {CONFIRM_ABOVE_WINDOWS}), and may take a while. Analyse it anyway?
          </p>
          <div className="controls">
            <button type="button" className="primary" data-testid="analyse-confirm-run" onClick={analyseActions.confirmLong}>
              Analyse all {confirm.windows} windows
            </button>
            <button type="button" data-testid="analyse-confirm-decline" onClick={analyseActions.declineLong}>
              Don't analyse
            </button>
          </div>
        </div>
      )}
      {error && (
        <p className="error-box" role="alert" data-testid="analyse-error">
          {error}
        </p>
      )}
    </section>
  );
}

const ANALYSE_STATUS: Record<AnalyseState['status'], string> = {
  idle: '',
  running: 'Analysing…',
  confirm: 'Waiting for your answer.',
  done: 'Analysed.',
  cancelled: 'Analysis cancelled.',
  error: 'Not analysed.',
};

function ThresholdInput({ index, value }: { index: number; value: number }) {
  const [draft, setDraft] = useState<string | null>(null);
  const thresholds = useAnalyseStore((s) => s.thresholds);
  const lower = index > 0 ? thresholds[index - 1] : 0;
  const upper = index < thresholds.length - 1 ? thresholds[index + 1] : Infinity;
  const n = Number(draft ?? value);
  const valid = Number.isInteger(n) && n > lower && n < upper;
  return (
    <label className="a-threshold">
      <span>bucket {index + 1}: top-</span>
      <input
        type="number"
        min={lower + 1}
        max={Number.isFinite(upper) ? upper - 1 : undefined}
        step={1}
        value={draft ?? value}
        aria-invalid={!valid}
        aria-label={`Rank threshold ${index + 1}: tokens ranked at most this (and above the previous threshold) fall in bucket ${index + 1}`}
        data-testid={`analyse-threshold-${index}`}
        onChange={(e) => {
          const v = Number(e.target.value);
          setDraft(e.target.value);
          if (Number.isInteger(v) && v > lower && v < upper) analyseActions.setThreshold(index, v);
        }}
        onBlur={() => setDraft(null)}
      />
    </label>
  );
}

function Legend({ measure }: { measure: ColourMeasure }) {
  const thresholds = useAnalyseStore((s) => s.thresholds);
  if (measure === 'rank') {
    return (
      <ul className="a-legend" aria-label="Colour legend: rank buckets">
        {bucketLabels(thresholds).map((label, i) => (
          <li key={label}>
            <span className="legend-swatch" style={{ background: BUCKET_COLOURS[Math.min(i, BUCKET_COLOURS.length - 1)] }} /> {label}
          </li>
        ))}
      </ul>
    );
  }
  const g = legendGradient(measure);
  const w = 260;
  return (
    <svg width={w + 70} height={38} role="img" aria-label={measure === 'prob' ? 'Colour legend: probability, red for 0.0001 or less through green for 1' : 'Colour legend: surprisal, white for 0 bits through violet for 16 bits or more'}>
      <defs>
        <linearGradient id={`a-grad-${measure}`}>
          {g.stops.map((s) => (
            <stop key={s.offset} offset={s.offset} stopColor={s.colour} />
          ))}
        </linearGradient>
      </defs>
      <rect x={20} y={2} width={w} height={14} fill={`url(#a-grad-${measure})`} stroke="#5d6b82" />
      {g.ticks.map((t) => (
        <text key={t.label} x={20 + t.at * w} y={32} textAnchor="middle" fontSize={11}>
          {t.label}
        </text>
      ))}
    </svg>
  );
}

function ResultCard() {
  const hasResult = useAnalyseStore((s) => s.result !== null);
  const stale = useAnalyseStore((s) => s.result !== null && s.analysedText !== s.text);
  const measure = useAnalyseStore((s) => s.measure);
  const thresholds = useAnalyseStore((s) => s.thresholds);
  if (!hasResult) return null;
  return (
    <section className="card" aria-labelledby="analyse-result-h">
      <h2 id="analyse-result-h">Every token, coloured by what the model expected</h2>
      <div className="controls">
        <label>
          Colour by{' '}
          <select data-testid="analyse-measure" value={measure} onChange={(e) => analyseActions.setMeasure(e.target.value as ColourMeasure)}>
            <option value="rank">rank bucket</option>
            <option value="prob">probability</option>
            <option value="surprisal">surprisal (bits)</option>
          </select>
        </label>
        {measure === 'rank' && (
          <fieldset className="a-thresholds">
            <legend>Rank thresholds</legend>
            {thresholds.map((t, i) => (
              <ThresholdInput key={i} index={i} value={t} />
            ))}
            <button type="button" onClick={analyseActions.resetThresholds}>
              Reset
            </button>
          </fieldset>
        )}
        <Legend measure={measure} />
      </div>
      {stale && <p className="muted">The text has changed since this analysis: press Analyse to update it.</p>}
      <div className="a-layout">
        <AnalysedText />
        <TokenDetails />
      </div>
      <AnalyseInside />
    </section>
  );
}

/** A server scores a text from its top N log-probabilities: say what that leaves unknown. */
function PartialNotice() {
  const partial = useAnalyseStore((s) => s.result?.partial);
  if (!partial) return null;
  return (
    <p className="notice" data-testid="analyse-partial">
      Scored by the server from its log-probabilities of the prompt (top {partial.topN} at each position): every probability and surprisal is exact;
      {partial.rankBeyond !== null ? ` a rank beyond ${partial.topN} is shown as “> ${partial.topN}”;` : ' ranks are exact (the server gives them);'} the entropy of the
      whole distribution is unknown (–).
    </p>
  );
}

/** The Analyse lab: a surprisal heat map of any text under the loaded model. */
export function AnalysePanel() {
  return (
    <>
      <InputCard />
      <PartialNotice />
      <ResultCard />
      <SummaryPanel />
      <AnalyseExport />
    </>
  );
}
