// TypeScript form of schemas/config.schema.json (tinyml-gate.yml). `Config` is the
// file as written; `ResolvedConfig` is what loadConfigFile returns, with the schema's
// defaults filled in. Change together with the schema and docs/configuration.md.

export interface ModelEntry {
  /** Unique short name: letters, digits, . _ - */
  name: string;
  /** int8 .tflite, relative to the repository root. */
  path: string;
  /** float32 .tflite it was quantized from (host float accuracy). */
  floatReference?: string;
  /** dataset.json manifest; enables accuracy. */
  dataset?: string;
}

/** Absolute limits on the head commit's figures. */
export interface AbsoluteLimits {
  latencyMs?: number;
  energyUj?: number;
  flashBytes?: number;
  ramBytes?: number;
  /** Percent, 0-100. */
  minAccuracy?: number;
}

export interface AbsoluteBudgets extends AbsoluteLimits {
  /** Per model name; overrides the global fields one by one. */
  perModel?: Record<string, AbsoluteLimits>;
}

export type RelativeMetric = 'latency' | 'energy' | 'flash' | 'ram';

export interface RelativeBudgets {
  /** Defaults: latency 5, energy 5, flash 2, ram 2 (percent of the baseline). */
  maxRegressionPct?: Partial<Record<RelativeMetric, number>>;
  /** Percentage points; default 1. */
  maxAccuracyDropPts?: number;
}

/** Exactly one key. name is a glob (* and ?) on the layer's output tensor name. */
export type LayerMatch = { op: string } | { index: number } | { name: string };

export interface PerLayerBudget {
  match: LayerMatch;
  /** Only this model; default every model. */
  model?: string;
  /** Default 'latency'. */
  metric?: 'latency' | 'energy';
  maxRegressionPct: number;
}

export interface Budgets {
  absolute?: AbsoluteBudgets;
  relative?: RelativeBudgets;
  /** First matching entry applies to a layer. */
  perLayer?: PerLayerBudget[];
}

export type WaiverMetric = RelativeMetric | 'accuracy';

export interface Waiver {
  metric: WaiverMetric;
  model?: string;
  reason: string;
  /** Last day (inclusive, UTC), YYYY-MM-DD. */
  until?: string;
}

export type BaselineMode = 'remeasure' | 'history' | 'auto';
export type CommentMode = 'sticky' | 'off';

/** tinyml-gate.yml as written. */
export interface Config {
  schemaVersion: 1;
  models: ModelEntry[];
  /** Board ids or labels from the agent's inventory. */
  boards: string[];
  /** Default 5. */
  repeats?: number;
  /** Default 1. */
  warmup?: number;
  budgets?: Budgets;
  waivers?: Waiver[];
  /** Default { mode: 'auto' }. */
  baseline?: { mode?: BaselineMode };
  /** Default { mode: 'sticky' }. */
  comment?: { mode?: CommentMode };
  /** Default { branch: 'tinyml-gate-data' }. */
  history?: { branch?: string };
}

/** The configuration with every schema default applied. */
export interface ResolvedConfig {
  schemaVersion: 1;
  models: ModelEntry[];
  boards: string[];
  repeats: number;
  warmup: number;
  budgets: {
    absolute?: AbsoluteBudgets;
    relative: {
      maxRegressionPct: Record<RelativeMetric, number>;
      maxAccuracyDropPts: number;
    };
    perLayer: (PerLayerBudget & { metric: 'latency' | 'energy' })[];
  };
  waivers: Waiver[];
  baseline: { mode: BaselineMode };
  comment: { mode: CommentMode };
  history: { branch: string };
}
