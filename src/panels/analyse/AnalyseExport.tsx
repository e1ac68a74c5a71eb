/** Share the Analyse lab's text; export its analysis as JSON or CSV, and import a JSON export back. */
import { useAnalyseStore } from '../../state/analyseStore';
import { analysisCsv, analysisJson, readAnalysisExport } from '../../state/share/analysisExport';
import { parseExportJson } from '../../state/share/exportFormat';
import { download } from '../../components/download';
import { ShareBar } from '../../components/ShareBar';
import { ExportControls } from '../../components/ExportControls';

function exportAnalysis(kind: 'json' | 'csv') {
  const { result, analysedText } = useAnalyseStore.getState();
  if (!result) return;
  if (kind === 'json') download(analysisJson(analysedText, result), 'analysis.json', 'application/json');
  else download(analysisCsv(result), 'analysis.csv', 'text/csv');
}

function importAnalysis(json: string) {
  const { text, result } = readAnalysisExport(parseExportJson(json));
  useAnalyseStore.setState({ text, analysedText: text, result, status: 'done', error: null, selected: null, hovered: null, confirm: null, progress: null });
}

export function AnalyseExport() {
  const hasResult = useAnalyseStore((s) => s.result !== null);
  return (
    <section className="card" aria-labelledby="analyse-export-h">
      <h2 id="analyse-export-h">Share and export</h2>
      <ShareBar lab="analyse" />
      <ExportControls what="analysis" disabled={!hasResult} onExport={exportAnalysis} onImport={importAnalysis} />
    </section>
  );
}
