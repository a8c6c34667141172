// The public API of src/compare (docs/report.md): compare() and the types of its result.
export { compare, fingerprintDifference } from './verdict.ts';
export type {
  BaselineSource,
  CompareInput,
  ComparePair,
  Comparison,
  EntryComparison,
  EntryStatus,
  Reason,
  Verdict,
} from './verdict.ts';
export { matchLayers, formatShape } from './layer-match.ts';
export type { KernelPaths, LayerPair, LayerStatus } from './layer-match.ts';
export { K_NOISE, MAD_TO_SIGMA } from './deltas.ts';
export type { Delta, DeltaStatus, LayerDelta, MetricDelta, MetricId } from './deltas.ts';
export { RELATIVE_DEFAULTS, describeLayer, displayName, globMatch } from './budgets.ts';
export type { BudgetCheck, BudgetKind, CheckOutcome, LayerRef } from './budgets.ts';
export type { WaiverState } from './waivers.ts';
