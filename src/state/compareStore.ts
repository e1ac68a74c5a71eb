/** The same text under every tokenizer at once. */
import { create } from 'zustand';
import type { CompareRow } from '../engine/protocol';
import { engine } from './engineClient';
import { TOKENIZER_CATALOG } from './tokenizerCatalog';

export const COMPARE_PREVIEW_CHARS = 240;

interface CompareState {
  rows: CompareRow[];
  /** the text the rows belong to, and its code points */
  text: string;
  characters: number;
  running: boolean;
  requestId: number | null;
  error: string | null;
  run(text: string, specialTokens: boolean): void;
}

export const useCompareStore = create<CompareState>()((set) => ({
  rows: [],
  text: '',
  characters: 0,
  running: false,
  requestId: null,
  error: null,
  run(text, specialTokens) {
    const requestId = engine.newRequestId();
    set({ running: true, requestId, text, error: null });
    engine.send({
      type: 'compare',
      requestId,
      text,
      specialTokens,
      tokenizerIds: TOKENIZER_CATALOG.map((t) => t.id),
      previewChars: COMPARE_PREVIEW_CHARS,
    });
  },
}));

engine.subscribe((event) => {
  const { requestId } = useCompareStore.getState();
  if (event.type === 'compared' && event.requestId === requestId) {
    useCompareStore.setState({ rows: event.rows, characters: event.characters, running: false });
  } else if (event.type === 'error' && (event.requestId === requestId || (event.scope === 'engine' && useCompareStore.getState().running))) {
    useCompareStore.setState({ running: false, error: event.message });
  }
});
