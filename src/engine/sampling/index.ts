export * from './types';
export { samplingPipeline, topCandidates, rawProbability } from './pipeline';
export { applyRepetitionPenalty, applyTemperature, argmax, entropyBits, entropyBitsOfLogits, logSumExp, softmax } from './stages';
export { drawUniform, mixSeed, Mulberry32 } from './rng';
export { DescendingOrder } from './order';
