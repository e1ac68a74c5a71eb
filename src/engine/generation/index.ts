export * from './types';
export { loadCausalLM, explainLoadError, ModelLoadError, type LoadOptions, type LoadedModel, type ModelLoadErrorKind } from './loadModel';
export { Generator, bareGreedyDecode, DEFAULT_TOP_N, type GenerateOptions, type RunManyResult } from './generator';
export { LogitsStore, DEFAULT_MAX_STORED_BYTES, DEFAULT_MAX_STORED_STEPS, type StoredStep } from './logitsStore';
export { divergenceTree } from './divergence';
export { forwardLast } from './forward';
export { measureDecodeSpeed, type DecodeSpeed } from './bench';
