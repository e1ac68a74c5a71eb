/**
 * Loading a causal language model (and its tokenizer) through Transformers.js. The same path serves the embedded
 * model (`nexttoken-base`, from `env.localModelPath`) and Hub models (from `env.remoteHost`).
 */
import {
  AutoConfig,
  AutoModelForCausalLM,
  AutoTokenizer,
  ModelFileNotFoundError,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type ProgressInfo,
} from '@huggingface/transformers';
import type { EngineDevice, LoadProgress, ModelInfo } from '../../generation/types';
import { fetchOnlyDecodingOutputs, type OrtSession } from '../../inside/graphOutputs';

export interface LoadOptions {
  modelId: string;
  device: Exclude<EngineDevice, 'server'>;
  /** Weight precision, e.g. 'fp32', 'fp16', 'q8', 'q4'; the model folder must hold that file. Default: the model's
   * `transformers.js_config.dtype`, else Transformers.js' default for the device (q8 on wasm, fp32 elsewhere). */
  dtype?: string;
  onProgress?: (progress: LoadProgress) => void;
  /** Where model folders are looked up first (Transformers.js `env.localModelPath`). Set globally when given. */
  localModelPath?: string;
  /** Whether to fall back to the Hub (`env.allowRemoteModels`). Set globally when given. */
  allowRemoteModels?: boolean;
  /** The Hub's host (`env.remoteHost`), e.g. a test server. Set globally when given. */
  remoteHost?: string;
}

/** A model ready to run, with the facts the UI needs. */
export interface LoadedModel {
  info: ModelInfo;
  model: PreTrainedModel;
  tokenizer: PreTrainedTokenizer;
  /** Names of the ONNX session's inputs (e.g. to know whether it takes position_ids). */
  inputNames: string[];
  dispose(): Promise<void>;
}

export type ModelLoadErrorKind = 'not-found' | 'network' | 'unsupported' | 'invalid' | 'unknown';

/** A loading failure with a message meant for the user. `cause` keeps the underlying error. */
export class ModelLoadError extends Error {
  readonly kind: ModelLoadErrorKind;
  readonly modelId: string;

  constructor(kind: ModelLoadErrorKind, modelId: string, message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'ModelLoadError';
    this.kind = kind;
    this.modelId = modelId;
  }
}

/** Appended to load errors; the worker drops it when no model was loaded before. */
export const PREVIOUS_MODEL_KEPT = 'The previously loaded model is still available.';

/** Turn whatever Transformers.js / onnxruntime / fetch threw into a ModelLoadError the user can act on. */
function explainLoadError(modelId: string, error: unknown): ModelLoadError {
  if (error instanceof ModelLoadError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const keep = PREVIOUS_MODEL_KEPT;
  if (error instanceof ModelFileNotFoundError || /\b404\b|not found|could not locate|file was not found/i.test(detail)) {
    return new ModelLoadError(
      'not-found',
      modelId,
      `Model "${modelId}" could not be found: a file it needs is missing (${detail}). Check the model id and that it has ONNX weights (an onnx/ folder, as the Transformers.js-ready "onnx-community" models do). ${keep}`,
      error,
    );
  }
  if (/unsupported model type|model type .* not found|unknown model class|architecture/i.test(detail)) {
    return new ModelLoadError(
      'unsupported',
      modelId,
      `Model "${modelId}" uses an architecture this app cannot run as a text generator (${detail}). Pick a decoder-only language model such as SmolLM2, Qwen2.5 or GPT-2. ${keep}`,
      error,
    );
  }
  if (/fetch failed|failed to fetch|network|server error|ECONN|ENOTFOUND|ETIMEDOUT|aborted|\b5\d\d\b/i.test(detail)) {
    return new ModelLoadError(
      'network',
      modelId,
      `Downloading model "${modelId}" failed (${detail}). Check the connection and try again. ${keep}`,
      error,
    );
  }
  if (/protobuf|onnx|invalid|corrupt|session/i.test(detail)) {
    return new ModelLoadError(
      'invalid',
      modelId,
      `Model "${modelId}" was downloaded but could not be started (${detail}). Its ONNX file may be damaged or use operators this backend lacks; try another device or dtype. ${keep}`,
      error,
    );
  }
  return new ModelLoadError('unknown', modelId, `Model "${modelId}" could not be loaded: ${detail}. ${keep}`, error);
}

function numberList(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === 'number');
  return [];
}

/**
 * Load a causal LM and its tokenizer. Progress is reported per file while bytes arrive, then as a 'compile' phase
 * once a model (onnx/) file is in memory and onnxruntime builds the session, then 'ready'.
 * Rejects with a ModelLoadError; nothing global is torn down, so a model loaded earlier stays usable.
 */
export async function loadCausalLM(options: LoadOptions): Promise<LoadedModel> {
  const { modelId, device, onProgress } = options;
  if (options.localModelPath !== undefined) env.localModelPath = options.localModelPath;
  if (options.allowRemoteModels !== undefined) env.allowRemoteModels = options.allowRemoteModels;
  if (options.remoteHost !== undefined) env.remoteHost = options.remoteHost;

  const started = performance.now();
  const files: Record<string, { loadedBytes: number; totalBytes: number }> = {};
  const compiling = new Set<string>();
  const progress_callback = (info: ProgressInfo) => {
    if (!onProgress) return;
    if (info.status === 'progress') {
      files[info.file] = { loadedBytes: info.loaded, totalBytes: info.total };
      onProgress({ phase: 'download', file: info.file, loadedBytes: info.loaded, totalBytes: info.total, files: { ...files } });
    } else if (info.status === 'done' && /(^|\/)onnx\//.test(info.file) && !compiling.has(info.file)) {
      compiling.add(info.file);
      onProgress({ phase: 'compile', file: info.file });
    }
  };

  let model: PreTrainedModel;
  let tokenizer: PreTrainedTokenizer;
  try {
    // The config first: a wrong id fails fast with a 404, and an architecture we cannot run is refused before any
    // weights are downloaded.
    const config = await AutoConfig.from_pretrained(modelId, { progress_callback });
    const modelType = String((config as unknown as Record<string, unknown>)['model_type'] ?? '');
    if (!AutoModelForCausalLM.supports(modelType) || (config as unknown as { is_encoder_decoder?: boolean }).is_encoder_decoder) {
      throw new ModelLoadError(
        'unsupported',
        modelId,
        `Model "${modelId}" is a "${modelType || 'unknown'}" model, which Transformers.js cannot run as a text generator here. Pick a decoder-only language model such as SmolLM2, Qwen2.5 or GPT-2. The previously loaded model is still available.`,
      );
    }
    [tokenizer, model] = await Promise.all([
      AutoTokenizer.from_pretrained(modelId, { progress_callback }),
      AutoModelForCausalLM.from_pretrained(modelId, {
        progress_callback,
        config,
        device,
        ...(options.dtype ? { dtype: options.dtype as never } : {}),
      }),
    ]);
  } catch (error) {
    throw explainLoadError(modelId, error);
  }

  const session = (model.sessions['model'] ?? model.sessions['decoder_model_merged']) as
    | { inputNames?: string[] }
    | undefined;
  const inputNames = session?.inputNames ?? [];
  // a graph with extra outputs (the embedded model's internals) still decodes fetching logits and present.* only
  if (session?.inputNames) fetchOnlyDecodingOutputs(session as unknown as OrtSession);
  const config = model.config as unknown as Record<string, unknown>;
  const generationConfig = (model.generation_config ?? {}) as unknown as Record<string, unknown>;
  if (!inputNames.includes('input_ids')) {
    await model.dispose();
    throw new ModelLoadError(
      'unsupported',
      modelId,
      `Model "${modelId}" does not take token ids as input, so it cannot generate text here. Pick a decoder-only language model. The previously loaded model is still available.`,
    );
  }
  const eosTokenIds = [
    ...new Set([
      ...numberList(generationConfig['eos_token_id']),
      ...numberList(config['eos_token_id']),
      ...numberList(tokenizer.eos_token_id),
    ]),
  ];
  const bos = numberList(config['bos_token_id'])[0] ?? numberList(tokenizer.bos_token_id)[0];
  const vocabSize = Number(config['vocab_size'] ?? tokenizer.get_vocab().size);
  const tokenizerWindow = Number(tokenizer.model_max_length);
  const contextWindow = Number(
    config['max_position_embeddings'] ??
      config['n_positions'] ??
      config['n_ctx'] ??
      (Number.isFinite(tokenizerWindow) && tokenizerWindow < 1e7 ? tokenizerWindow : 2048),
  );
  const numLayers = inputNames.filter((name) => /^past_key_values\.\d+\.key$/.test(name)).length;

  const configDtype = (config['transformers.js_config'] as { dtype?: unknown } | undefined)?.dtype;
  const dtype = options.dtype ?? (typeof configDtype === 'string' ? configDtype : device === 'wasm' ? 'q8' : 'fp32');
  const info: ModelInfo = {
    modelId,
    device,
    dtype,
    architecture: String(config['model_type'] ?? 'unknown'),
    vocabSize,
    contextWindow,
    eosTokenIds,
    bosTokenId: bos ?? null,
    numLayers,
  };
  onProgress?.({ phase: 'ready', ms: performance.now() - started });
  return {
    info,
    model,
    tokenizer,
    inputNames,
    dispose: async () => {
      await model.dispose();
    },
  };
}
