/** The same text under every tokenizer at once. */
import { create } from 'zustand';
import type { CompareRow } from '../engine/protocol';
import { engine, errorMessage } from './engineClient';
import { TOKENIZER_CATALOG } from './tokenizerCatalog';

export const COMPARE_PREVIEW_CHARS = 240;

interface CompareState {
  rows: CompareRow[];
  /** the text the rows belong to, and its code points */
  text: string;
  characters: number;
  running: boolean;
  error: string | null;
}

export const useCompareStore = create<CompareState>()(() => ({ rows: [], text: '', characters: 0, running: false, error: null }));

const set = useCompareStore.setState;

export const compareActions = {
  /** Compares `text` under every tokenizer (the button is disabled while a comparison runs). */
  async run(text: string, specialTokens: boolean) {
    set({ running: true, text, error: null });
    try {
      const r = await engine.request({ type: 'compare', text, specialTokens, tokenizerIds: TOKENIZER_CATALOG.map((t) => t.id), previewChars: COMPARE_PREVIEW_CHARS });
      set({ rows: r.rows, characters: r.characters, running: false });
    } catch (err) {
      set({ running: false, error: errorMessage(err) });
    }
  },
};
