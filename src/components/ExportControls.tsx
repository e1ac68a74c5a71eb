/** Export buttons (JSON, CSV) and a JSON import for a lab's results; an import that fails says why here. */
import { useState } from 'react';

interface Props {
  /** e.g. "run", "analysis": names the buttons and the test ids (`${what}-export-json`, `${what}-import-file`, …) */
  what: string;
  disabled: boolean;
  onExport(kind: 'json' | 'csv'): void;
  /** throws with what is wrong; nothing may change then */
  onImport(text: string): void;
}

export function ExportControls({ what, disabled, onExport, onImport }: Props) {
  const [error, setError] = useState<string | null>(null);
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
        <button type="button" data-testid={`${what}-export-json`} disabled={disabled} onClick={() => onExport('json')}>
          Export {what} (JSON)
        </button>
        <button type="button" data-testid={`${what}-export-csv`} disabled={disabled} onClick={() => onExport('csv')}>
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
      {error && (
        <p className="error-box" role="alert" data-testid={`${what}-import-error`}>
          {error}
        </p>
      )}
    </>
  );
}
