/** The tokenizers the lab offers, as the UI lists them (the engine loads each lazily). */
export interface TokenizerEntry {
  id: string;
  label: string;
  models: string;
}

export const TOKENIZER_CATALOG: readonly TokenizerEntry[] = [
  { id: 'o200k_base', label: 'o200k_base', models: 'GPT-4o, GPT-4.1, o-series' },
  { id: 'cl100k_base', label: 'cl100k_base', models: 'GPT-4, GPT-3.5-turbo' },
  { id: 'r50k_base', label: 'r50k_base', models: 'GPT-2, GPT-3' },
  { id: 'llama3', label: 'Llama 3', models: 'Llama 3, 3.1, 3.2, 3.3' },
  { id: 'qwen', label: 'Qwen 3', models: 'Qwen 2.5 and Qwen 3' },
  { id: 'gemma3', label: 'Gemma 3', models: 'Gemma 3' },
  { id: 'deepseek_v3', label: 'DeepSeek-V3', models: 'DeepSeek-V3, R1' },
  { id: 'nexttoken-base', label: 'nexttoken-base', models: 'the embedded model' },
];

export function tokenizerLabel(id: string): string {
  const e = TOKENIZER_CATALOG.find((t) => t.id === id);
  return e ? `${e.label} — ${e.models}` : id;
}
