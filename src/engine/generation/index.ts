export * from './types';
export { Generator, bareGreedyDecode, DEFAULT_TOP_N, type GenerateOptions, type RunManyResult } from './generator';
export { LogitsStore, DEFAULT_MAX_STORED_BYTES, DEFAULT_MAX_STORED_STEPS, type StoredStep } from './logitsStore';
export { divergenceTree } from './divergence';
export { measureDecodeSpeed, type DecodeSpeed } from './bench';
