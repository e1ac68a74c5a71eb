/**
 * Models the Generate lab offers. The embedded one ships with the app; the others come from the Hub.
 * Dependency-free: the UI lists them without loading any engine code.
 */
export interface ModelEntry {
  id: string;
  label: string;
  dtype: string;
  /** approximate download, for the user to decide */
  size: string;
  kind: 'base' | 'instruct';
  embedded: boolean;
}

export const EMBEDDED_MODEL_ID = 'nexttoken-base';
export const DEFAULT_REMOTE_HOST = 'https://huggingface.co/';

export const MODEL_CATALOG: readonly ModelEntry[] = [
  { id: EMBEDDED_MODEL_ID, label: 'nexttoken-base (embedded, offline)', dtype: 'fp32', size: 'shipped with the app', kind: 'base', embedded: true },
  { id: 'HuggingFaceTB/SmolLM2-135M-Instruct', label: 'SmolLM2-135M-Instruct', dtype: 'q8', size: '≈ 140 MB', kind: 'instruct', embedded: false },
  { id: 'onnx-community/Qwen2.5-0.5B-Instruct', label: 'Qwen2.5-0.5B-Instruct', dtype: 'q8', size: '≈ 500 MB', kind: 'instruct', embedded: false },
  { id: 'Xenova/gpt2', label: 'GPT-2 (124M)', dtype: 'q8', size: '≈ 130 MB', kind: 'base', embedded: false },
];

export function catalogEntry(id: string): ModelEntry | undefined {
  return MODEL_CATALOG.find((m) => m.id === id);
}

/** Models served from the app's own folder (public/models/), never from a hub. */
export const EMBEDDED_MODELS: readonly string[] = MODEL_CATALOG.filter((m) => m.embedded).map((m) => m.id);

export function isEmbeddedModel(id: string): boolean {
  return EMBEDDED_MODELS.includes(id);
}
