// What a budget check is, and the small rules every kind of check shares: when an
// observed figure fails its limit, and how a percentage check reads.
import type { Config, WaiverMetric } from '../schema/config-types.ts';
import type { ResultDocument } from '../schema/result-types.ts';
import type { LayerDelta, MetricDelta, MetricId } from './deltas.ts';
import { formatLimit, formatNumber, formatPct } from './format.ts';

export type BudgetKind = 'absolute' | 'relative' | 'perLayer';

/**
 * 'not-enforced': an absolute latency or energy budget on an emulated board (modelled
 * figures); 'unavailable': the figure the budget needs was not measured (no meter, no
 * dataset). Neither affects the verdict; both are shown.
 */
export type CheckOutcome = 'pass' | 'fail' | 'inconclusive' | 'not-enforced' | 'unavailable';

/** A layer of the head model (of the base model for a removed layer). */
export interface LayerRef {
  index: number;
  op: string;
  /** First output tensor name ('' when the layer has none). */
  name: string;
}

export interface BudgetCheck {
  model: string;
  board: string;
  kind: BudgetKind;
  metric: WaiverMetric;
  /** The summary-table row the budget belongs to. */
  row: MetricId;
  layer?: LayerRef;
  /** In `unit`; null when unavailable. Relative: the change in percent (accuracy: drop in points). */
  observed: number | null;
  limit: number;
  /** 'ms', 'uJ', 'bytes', '%' (accuracy or relative change) or 'pts'. */
  unit: string;
  /** Measurement noise on `observed`, same unit; 0 for exact figures. */
  noise: number;
  outcome: CheckOutcome;
  /** Set by applyWaivers when an active waiver covers a fail or inconclusive outcome. */
  waived?: { reason: string; until?: string };
  /** Set by applyWaivers when only expired waivers would have covered it. */
  expiredWaiver?: { reason: string; until: string };
  message: string;
}

export interface BudgetInput {
  config: Config;
  model: string;
  board: string;
  /** Absent for a new model: absolute budgets only. */
  base?: ResultDocument;
  head: ResultDocument;
  metrics: readonly MetricDelta[];
  layers: readonly LayerDelta[];
}

export type Draft = Omit<BudgetCheck, 'model' | 'board' | 'outcome' | 'message'>;

/** Outcome of a limit: within noise of it is inconclusive, strictly past it fails. */
export function judge(observed: number, limit: number, noise: number, min = false): CheckOutcome {
  if (noise > 0 && Math.abs(observed - limit) <= noise) return 'inconclusive';
  return (min ? observed < limit : observed > limit) ? 'fail' : 'pass';
}

export function finish(
  input: BudgetInput,
  d: Draft,
  outcome: CheckOutcome,
  message: string,
): BudgetCheck {
  return { model: input.model, board: input.board, ...d, outcome, message };
}

/**
 * 'latency: +7.3% instructions > 5% relative limit (...)' and its noise variant. `ticks` names
 * the time unit for time figures ('instructions', 'cycles'); other figures pass ''.
 */
export function pctMessage(label: string, d: Draft, what: string, ticks: string): string {
  const obs = d.observed ?? 0;
  const head = `${label}: ${formatPct(obs)}${ticks !== '' ? ` ${ticks}` : ''}`;
  const outcome = judge(obs, d.limit, d.noise);
  if (outcome === 'inconclusive') {
    return `${head} is within noise (±${formatNumber(d.noise, 1)}%) of the ${formatLimit(d.limit)}% ${what}`;
  }
  return `${head} ${outcome === 'fail' ? '>' : '<='} ${formatLimit(d.limit)}% ${what}`;
}
