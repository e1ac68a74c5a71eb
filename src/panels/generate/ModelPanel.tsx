import { useId, useState } from 'react';
import { generateActions, useGenerateStore } from '../../state/generateStore';
import { MODEL_CATALOG, catalogEntry } from '../../engine/generation/catalog';
import type { BackendChoice, LoadProgress, ServerApi } from '../../engine/protocol';
import { formatCount } from '../../state/formatCount';

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

/** A model on a server (vLLM, llama.cpp, Ollama, OpenAI): nothing is sent to it before Connect. */
function ServerControls() {
  const url = useGenerateStore((s) => s.serverUrl);
  const apiKey = useGenerateStore((s) => s.serverApiKey);
  const remember = useGenerateStore((s) => s.rememberApiKey);
  const server = useGenerateStore((s) => s.server);
  const serverModel = useGenerateStore((s) => s.serverModel);
  const api = useGenerateStore((s) => s.serverApi);
  const info = useGenerateStore((s) => s.model.info?.server ?? null);
  const loading = useGenerateStore((s) => s.model.status === 'loading');
  const ids = { url: useId(), key: useId(), remember: useId(), model: useId(), api: useId() };
  return (
    <>
      <form
        className="controls"
        onSubmit={(e) => {
          e.preventDefault();
          void generateActions.connectServer();
        }}
      >
        <label htmlFor={ids.url}>Base URL</label>
        <input id={ids.url} type="url" data-testid="server-url" size={32} value={url} onChange={(e) => generateActions.setServerUrl(e.target.value)} placeholder="http://localhost:8000/v1" />
        <label htmlFor={ids.key}>API key (optional)</label>
        <input id={ids.key} type="password" autoComplete="off" data-testid="server-api-key" value={apiKey} onChange={(e) => generateActions.setServerApiKey(e.target.value)} />
        <span className="checkbox">
          <input id={ids.remember} type="checkbox" checked={remember} onChange={(e) => generateActions.setRememberApiKey(e.target.checked)} />
          <label htmlFor={ids.remember}>Remember the key for this tab</label>
        </span>
        <button type="submit" data-testid="server-connect" disabled={server.status === 'connecting' || loading || !url.trim()}>
          {server.status === 'connecting' ? 'Connecting…' : 'Connect'}
        </button>
      </form>
      <p role="status" aria-live="polite" data-testid="server-status" data-status={server.status} className={server.status === 'error' ? 'error-box' : 'muted'}>
        {server.status === 'connected' ? 'connected' : server.status === 'error' ? server.message : server.status === 'connecting' ? 'Connecting…' : 'Not connected: nothing is sent to a server before you press Connect.'}
      </p>
      {server.status !== 'idle' && server.models.length > 0 && (
        <div className="controls">
          <label htmlFor={ids.model}>Server model</label>
          <select id={ids.model} data-testid="server-model" value={serverModel} onChange={(e) => void generateActions.useServerModel(e.target.value)} disabled={loading}>
            {server.models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id}
                {m.contextWindow ? ` — window ${formatCount(m.contextWindow)}` : ''}
              </option>
            ))}
          </select>
          <label htmlFor={ids.api}>API</label>
          <select id={ids.api} data-testid="server-api" value={api} onChange={(e) => generateActions.setServerApi(e.target.value as ServerApi)} disabled={loading}>
            <option value="completions">completions (a raw prompt; branching works)</option>
            <option value="chat">chat completions (the Chat lab's messages)</option>
          </select>
        </div>
      )}
      {info && (
        <p className="notice" data-testid="server-privacy">
          While the server backend is active, the text you generate from is sent to <strong>{info.origin}</strong>.
        </p>
      )}
    </>
  );
}

/** A model in this browser: the catalogue, WebGPU or WASM, any Hub model. */
function BrowserControls() {
  const model = useGenerateStore((s) => s.model);
  const modelId = useGenerateStore((s) => s.modelId);
  const backendChoice = useGenerateStore((s) => s.backendChoice);
  const remoteHost = useGenerateStore((s) => s.remoteHost);
  const [custom, setCustom] = useState('');
  const ids = { model: useId(), backend: useId(), custom: useId(), host: useId() };
  const options = MODEL_CATALOG.some((m) => m.id === modelId) ? MODEL_CATALOG : [...MODEL_CATALOG, { id: modelId, label: modelId, size: 'custom', dtype: 'fp32', kind: 'base' as const, embedded: false }];
  return (
    <>
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
    </>
  );
}

/** Which model runs, where and why; loading progress. */
export function ModelPanel() {
  const backendKind = useGenerateStore((s) => s.backendKind);
  const model = useGenerateStore((s) => s.model);
  const kindId = useId();
  const entry = model.info ? catalogEntry(model.info.modelId) : undefined;
  const server = model.info?.server;
  return (
    <section className="card" aria-labelledby="model-heading">
      <h2 id="model-heading">Model</h2>
      <div className="controls">
        <label htmlFor={kindId}>Runs</label>
        <select id={kindId} data-testid="backend-kind" value={backendKind} onChange={(e) => generateActions.setBackendKind(e.target.value as 'browser' | 'server')}>
          <option value="browser">In this browser</option>
          <option value="server">On a server</option>
        </select>
      </div>
      {backendKind === 'server' ? <ServerControls /> : <BrowserControls />}
      <div role="status" aria-live="polite" data-testid="model-status" data-status={model.status}>
        {model.status === 'loading' && (
          <div>
            Loading <code>{model.requestedId}</code>… <ProgressView progress={model.progress} />{' '}
            <button type="button" data-testid="model-load-cancel" onClick={generateActions.cancelLoad}>
              Cancel loading
            </button>
          </div>
        )}
        {model.info && model.status !== 'loading' && (
          <p className="muted">
            <code data-testid="loaded-model">{model.info.modelId}</code>
            {server ? (
              <>
                {' '}
                on {server.flavor} at {server.baseUrl} ({server.api === 'chat' ? 'chat completions' : 'completions'} API), context window{' '}
                {server.contextWindow ? `${formatCount(server.contextWindow)} tokens` : 'not given by the server'}. {server.distributionNote}
              </>
            ) : (
              <>
                : {model.info.architecture}, {model.info.numLayers} layers, vocabulary {formatCount(model.info.vocabSize)}, context window{' '}
                {formatCount(model.info.contextWindow)} tokens, {model.info.dtype}.{' '}
                {entry?.kind === 'instruct' ? 'An instruct model: trained to follow chat messages.' : 'A base model: it continues text; it was not trained to follow instructions.'}
              </>
            )}
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
