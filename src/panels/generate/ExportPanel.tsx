/** Share the Generate lab's prompt and settings; export the shown run as JSON or CSV, and import a JSON export back. */
import { fullSequenceSteps, useGenerateStore } from '../../state/generateStore';
import { importedRunView, readRunExport, runCsv, runJson, type RunExport } from '../../state/share/runExport';
import { parseExportJson } from '../../state/share/exportFormat';
import { download } from '../../components/download';
import { ShareBar } from '../../components/ShareBar';
import { ExportControls } from '../../components/ExportControls';

/** The shown run in full: the page holds only the shown steps' distributions, the engine gives back the others. */
async function shownRun(): Promise<RunExport | null> {
  const s = useGenerateStore.getState();
  const run = s.activeRunId ? s.runs[s.activeRunId] : null;
  if (!run) return null;
  const steps = await fullSequenceSteps(run.runId);
  if (steps.length === 0) return null;
  return { model: s.model.info?.modelId ?? s.modelId, settings: s.settings, maxNewTokens: s.maxNewTokens, constraint: s.constraint, prompt: run.prompt, steps, summary: run.summary, label: run.label };
}

async function exportRun(kind: 'json' | 'csv') {
  const run = await shownRun();
  if (!run) return;
  if (kind === 'json') download(runJson(run), 'run.json', 'application/json');
  else download(runCsv(run), 'run.csv', 'text/csv');
}

let imports = 0;

function importRun(json: string) {
  const e = readRunExport(parseExportJson(json));
  const runId = `imported-${Date.now().toString(36)}-${imports++}`;
  useGenerateStore.setState((s) => ({
    runs: { ...s.runs, [runId]: importedRunView(e, runId) },
    runOrder: [...s.runOrder, runId],
    activeRunId: runId,
    selectedStep: null,
    settings: e.settings,
    maxNewTokens: e.maxNewTokens,
  }));
}

export function ExportPanel() {
  const hasRun = useGenerateStore((s) => s.activeRunId !== null && (s.runs[s.activeRunId]?.steps.length ?? 0) > 0);
  return (
    <section className="card" aria-labelledby="generate-export-h">
      <h2 id="generate-export-h">Share and export</h2>
      <ShareBar lab="generate" />
      <ExportControls what="run" disabled={!hasRun} onExport={exportRun} onImport={importRun} />
      <p className="muted">An imported run can be read step by step; its logits are not in the engine, so its steps are not re-sampled. API keys and server addresses are never exported.</p>
    </section>
  );
}
