export * from './types';
export { analyseIds, analyseText, analysisTransferables, planAnalysis, windowRanges, defaultPrefix, textIds, tokenTexts, scoreRow, AnalysisAborted, type AnalyseOptions, type WindowRange } from './analyse';
export { summarise, rankBucket, bucketLabels, normaliseThresholds, meanSurprisal } from './summary';
