/** The tokenizers the lab offers, as the UI lists them (the engine loads each lazily). */
import { BUILTIN_TOKENIZERS } from '../engine/tokenizers/catalog';
import { EMBEDDED_MODEL_ID } from '../engine/generation/catalog';

export interface TokenizerEntry {
  id: string;
  label: string;
  models: string;
}

export const TOKENIZER_CATALOG: readonly TokenizerEntry[] = [
  ...BUILTIN_TOKENIZERS.map(({ id, label, models }) => ({ id, label, models })),
  { id: EMBEDDED_MODEL_ID, label: EMBEDDED_MODEL_ID, models: 'the embedded model' },
];

export function tokenizerLabel(id: string): string {
  const e = TOKENIZER_CATALOG.find((t) => t.id === id);
  return e ? `${e.label} — ${e.models}` : id;
}
