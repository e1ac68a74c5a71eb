/** Export buttons (JSON, CSV) and a JSON import for a lab's results; an import that fails says why here. */
import { useState } from 'react';

interface Props {
  /** e.g. "run", "analysis": names the buttons and the test ids (`${what}-export-json`, `${what}-import-file`, …) */
  what: string;
  disabled: boolean;
  /** may gather its data first (a Promise); a failure is said here */
  onExport(kind: 'json' | 'csv'): void | Promise<void>;
  /** throws with what is wrong; nothing may change then */
  onImport(text: string): void;
}

export function ExportControls({ what, disabled, onExport, onImport }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const exportAs = async (kind: 'json' | 'csv') => {
    try {
      await onExport(kind);
      setExportError(null);
    } catch (err) {
      setExportError(`The ${what} cannot be exported: ${(err as Error).message}.`);
    }
  };
  const importFile = async (file: File) => {
    try {
      onImport(await file.text());
      setError(null);
    } catch (err) {
      setError(`${file.name} cannot be imported: ${(err as Error).message}. Nothing was changed.`);
    }
  };
  return (
    <>
      <div className="row">
        <button type="button" data-testid={`${what}-export-json`} disabled={disabled} onClick={() => void exportAs('json')}>
          Export {what} (JSON)
        </button>
        <button type="button" data-testid={`${what}-export-csv`} disabled={disabled} onClick={() => void exportAs('csv')}>
          Export {what} (CSV)
        </button>
        <label>
          Import a {what} (JSON){' '}
          <input
            type="file"
            accept="application/json,.json"
            data-testid={`${what}-import-file`}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void importFile(f);
              e.target.value = '';
            }}
          />
        </label>
      </div>
      {exportError && (
        <p className="error-box" role="alert" data-testid={`${what}-export-error`}>
          {exportError}
        </p>
      )}
      {error && (
        <p className="error-box" role="alert" data-testid={`${what}-import-error`}>
          {error}
        </p>
      )}
    </>
  );
}
