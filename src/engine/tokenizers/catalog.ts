/** The built-in tokenizers (no imports: the UI lists them without loading any engine code). */
export type BuiltinTokenizerId = 'o200k_base' | 'cl100k_base' | 'r50k_base' | 'llama3' | 'qwen' | 'gemma3' | 'deepseek_v3';

export const BUILTIN_TOKENIZERS: readonly { id: BuiltinTokenizerId; label: string; models: string; family: 'openai' | 'huggingface' }[] = [
  { id: 'o200k_base', label: 'GPT-4o (o200k_base)', models: 'GPT-4o, GPT-4o mini, o1, o3', family: 'openai' },
  { id: 'cl100k_base', label: 'GPT-4 / GPT-3.5 (cl100k_base)', models: 'GPT-4, GPT-3.5 Turbo, text-embedding-3', family: 'openai' },
  { id: 'r50k_base', label: 'GPT-2 (r50k_base)', models: 'GPT-2, GPT-3 (davinci)', family: 'openai' },
  { id: 'llama3', label: 'Llama 3', models: 'Llama 3, 3.1, 3.2, 3.3', family: 'huggingface' },
  { id: 'qwen', label: 'Qwen 3', models: 'Qwen 2.5, Qwen 3', family: 'huggingface' },
  { id: 'gemma3', label: 'Gemma 3', models: 'Gemma 3', family: 'huggingface' },
  { id: 'deepseek_v3', label: 'DeepSeek-V3', models: 'DeepSeek-V3, DeepSeek-R1', family: 'huggingface' },
];
