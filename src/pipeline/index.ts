// The public API of src/pipeline: runPipeline (the action and `tinyml-gate run` call it).
export { runPipeline, reportMarker } from './run.ts';
export type { BenchFn, HistoryStore, PipelineOptions, PipelineResult } from './run.ts';
export { PipelineError } from './errors.ts';
export type { PipelineErrorCode } from './errors.ts';
export { plan } from './plan.ts';
export { resolveModels, sha256 } from './resolve.ts';
export type { Change, Resolution, ResolvedModel } from './resolve.ts';
export { chooseBaseline } from './baseline.ts';
export type { BaselineDecision } from './baseline.ts';
