import { useId, useState } from 'react';
import { generateActions, useGenerateStore } from '../../state/generateStore';
import { MODEL_CATALOG, catalogEntry } from '../../engine/generation/catalog';
import type { BackendChoice, LoadProgress } from '../../engine/protocol';

function ProgressView({ progress }: { progress: LoadProgress | null }) {
  if (!progress) return <progress aria-label="Loading the model" />;
  if (progress.phase === 'compile') {
    return (
      <span>
        <progress aria-label="Compiling the model" /> Compiling {progress.file} (building the ONNX session)…
      </span>
    );
  }
  if (progress.phase === 'ready') return <span>Ready in {progress.ms.toFixed(0)} ms.</span>;
  return (
    <ul className="file-progress" aria-label="Download progress per file">
      {Object.entries(progress.files).map(([file, f]) => (
        <li key={file}>
          <code>{file}</code>{' '}
          <progress value={f.loadedBytes} max={f.totalBytes || undefined} aria-label={`Downloading ${file}`} />{' '}
          {(f.loadedBytes / 1e6).toFixed(2)} / {f.totalBytes ? (f.totalBytes / 1e6).toFixed(2) : '?'} MB
        </li>
      ))}
    </ul>
  );
}

/** Which model runs, on which backend and why; loading progress; hub models. */
export function ModelPanel() {
  const model = useGenerateStore((s) => s.model);
  const modelId = useGenerateStore((s) => s.modelId);
  const backendChoice = useGenerateStore((s) => s.backendChoice);
  const remoteHost = useGenerateStore((s) => s.remoteHost);
  const [custom, setCustom] = useState('');
  const ids = { model: useId(), backend: useId(), custom: useId(), host: useId() };
  const entry = catalogEntry(model.info?.modelId ?? modelId);
  const options = MODEL_CATALOG.some((m) => m.id === modelId) ? MODEL_CATALOG : [...MODEL_CATALOG, { id: modelId, label: modelId, size: 'custom', dtype: 'fp32', kind: 'base' as const, embedded: false }];
  return (
    <section className="card" aria-labelledby="model-heading">
      <h2 id="model-heading">Model</h2>
      <div className="controls">
        <label htmlFor={ids.model}>Model</label>
        <select id={ids.model} data-testid="model-select" value={modelId} onChange={(e) => generateActions.loadModel(e.target.value)} disabled={model.status === 'loading'}>
          {options.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label} — {m.size}
            </option>
          ))}
        </select>
        <label htmlFor={ids.backend}>Backend</label>
        <select
          id={ids.backend}
          data-testid="backend-select"
          value={backendChoice}
          onChange={(e) => {
            generateActions.setBackendChoice(e.target.value as BackendChoice);
            generateActions.loadModel();
          }}
          disabled={model.status === 'loading'}
        >
          <option value="auto">Automatic (WebGPU if available)</option>
          <option value="webgpu">WebGPU</option>
          <option value="wasm">WASM (CPU)</option>
        </select>
        <span>
          Running on: <strong data-testid="backend">{model.backend ?? '—'}</strong>
          {model.backend === 'wasm' && model.threads > 0 && <> ({model.threads} thread{model.threads === 1 ? '' : 's'})</>}
        </span>
      </div>
      {model.backendReason && (
        <p className="muted" data-testid="backend-reason">
          {model.backendReason}
        </p>
      )}
      <details>
        <summary>Any Hugging Face Hub model</summary>
        <form
          className="controls"
          onSubmit={(e) => {
            e.preventDefault();
            if (custom.trim()) generateActions.loadModel(custom.trim());
          }}
        >
          <label htmlFor={ids.custom}>Model id</label>
          <input id={ids.custom} type="text" data-testid="hub-model-id" placeholder="owner/name" value={custom} onChange={(e) => setCustom(e.target.value)} />
          <label htmlFor={ids.host}>Host</label>
          <input id={ids.host} type="text" data-testid="remote-host" value={remoteHost} onChange={(e) => generateActions.setRemoteHost(e.target.value)} />
          <button type="submit" data-testid="hub-load" disabled={model.status === 'loading'}>
            Load
          </button>
        </form>
        <p className="muted">Models are downloaded once and cached by the browser. They must have ONNX weights (Transformers.js layout).</p>
      </details>
      <div role="status" aria-live="polite" data-testid="model-status" data-status={model.status}>
        {model.status === 'loading' && (
          <div>
            Loading <code>{model.requestedId}</code>… <ProgressView progress={model.progress} />
          </div>
        )}
        {model.info && model.status !== 'loading' && (
          <p className="muted">
            <code data-testid="loaded-model">{model.info.modelId}</code>: {model.info.architecture}, {model.info.numLayers} layers, vocabulary{' '}
            {model.info.vocabSize.toLocaleString('en-US')}, context window {model.info.contextWindow.toLocaleString('en-US')} tokens, {model.info.dtype}.{' '}
            {entry?.kind === 'instruct' ? 'An instruct model: trained to follow chat messages.' : 'A base model: it continues text; it was not trained to follow instructions.'}
          </p>
        )}
      </div>
      {model.error && (
        <p role="alert" className="error-box" data-testid="model-error">
          {model.error}
        </p>
      )}
    </section>
  );
}
