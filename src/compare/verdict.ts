// The entry point of src/compare: results of base and head for every model and board in,
// one Comparison out (everything the report needs; no I/O). Verdict rules
// (docs/report.md, "Verdict"):
// - fail: at least one budget check failed and no active waiver covers it;
// - inconclusive: otherwise, when a measurement failed, a baseline could not be used, or a
//   figure is within noise of a limit (and no active waiver covers that check);
// - pass: otherwise. A failure anywhere outweighs an inconclusive result elsewhere.
import type { Config, WaiverMetric } from '../schema/config-types.ts';
import type { BoardFingerprint, KernelPath, ResultDocument } from '../schema/result-types.ts';
import { evaluateBudgets, type BudgetCheck, type BudgetKind, type LayerRef } from './budgets.ts';
import { layerDeltas, metricDeltas, type LayerDelta, type MetricDelta } from './deltas.ts';
import { matchLayers } from './layer-match.ts';
import { applyWaivers, type WaiverState } from './waivers.ts';

export type Verdict = 'pass' | 'fail' | 'inconclusive';
export type BaselineSource = 'remeasured' | 'history' | 'none';

/** One model on one board: what was measured, or why nothing was. */
export interface ComparePair {
  model: string;
  /** Board id or label, as the configuration names it. */
  board: string;
  base?: ResultDocument;
  head?: ResultDocument;
  /** The measurement failed (board unreachable, flash failed, ...): the entry is inconclusive. */
  error?: string;
  /** Default: 'none' without a base document, else 'remeasured'. */
  baselineSource?: BaselineSource;
}

export interface CompareInput {
  config: Config;
  pairs: readonly ComparePair[];
  /** Decides which waivers have expired; default: the current time. */
  now?: Date;
}

/**
 * 'compared': base and head; 'new': no baseline, absolute budgets only; 'incomparable': a
 * baseline measured on another fingerprint, not compared (absolute budgets only);
 * 'error': no head result.
 */
export type EntryStatus = 'compared' | 'new' | 'incomparable' | 'error';

export interface EntryComparison {
  model: string;
  board: string;
  status: EntryStatus;
  verdict: Verdict;
  baselineSource: BaselineSource;
  error?: string;
  base?: ResultDocument;
  head?: ResultDocument;
  /** Summary rows in display order (empty for 'error'). */
  metrics: MetricDelta[];
  /** One row per aligned layer, in execution order (empty for 'error'). */
  layers: LayerDelta[];
  /** Every budget evaluated, waivers applied. */
  checks: BudgetCheck[];
}

/** Why the verdict is not a plain pass: a failed or undecided check, or a missing measurement. */
export interface Reason {
  model: string;
  board: string;
  kind: BudgetKind | 'measurement' | 'baseline';
  metric?: WaiverMetric;
  layer?: LayerRef;
  observed: number | null;
  limit: number | null;
  unit: string;
  outcome: 'fail' | 'inconclusive';
  waived?: { reason: string; until?: string };
  expiredWaiver?: { reason: string; until: string };
  /** Without model and board (the report puts them in front), e.g. `latency: +7.3% ...`. */
  message: string;
}

export interface Comparison {
  verdict: Verdict;
  /** Unwaived failures, then unwaived inconclusive reasons, then waived ones; entry order within. */
  reasons: Reason[];
  entries: EntryComparison[];
  waivers: WaiverState[];
}

export function compare(input: CompareInput): Comparison {
  const now = input.now ?? new Date();
  const drafts = input.pairs.map((p) => compareEntry(input.config, p));
  const all = drafts.flatMap((d) => d.entry.checks);
  const { checks, states } = applyWaivers(all, input.config.waivers ?? [], now);
  let k = 0;
  const entries = drafts.map(({ entry, extra }) => {
    const own = checks.slice(k, k + entry.checks.length);
    k += entry.checks.length;
    const reasons = [...extra, ...own.filter(isReason).map(toReason)];
    return { entry: { ...entry, checks: own, verdict: verdictOf(reasons) }, reasons };
  });
  const reasons = entries.flatMap((e) => e.reasons);
  const rank = (r: Reason): number => (r.waived !== undefined ? 2 : r.outcome === 'fail' ? 0 : 1);
  // Array.prototype.sort is stable: entry order is kept within each rank.
  reasons.sort((a, b) => rank(a) - rank(b));
  return {
    verdict: verdictOf(reasons),
    reasons,
    entries: entries.map((e) => e.entry),
    waivers: states,
  };
}

function verdictOf(reasons: readonly Reason[]): Verdict {
  const live = reasons.filter((r) => r.waived === undefined);
  if (live.some((r) => r.outcome === 'fail')) return 'fail';
  return live.length > 0 ? 'inconclusive' : 'pass';
}

function isReason(c: BudgetCheck): c is BudgetCheck & { outcome: 'fail' | 'inconclusive' } {
  return c.outcome === 'fail' || c.outcome === 'inconclusive';
}

function toReason(c: BudgetCheck & { outcome: 'fail' | 'inconclusive' }): Reason {
  const r: Reason = {
    model: c.model,
    board: c.board,
    kind: c.kind,
    metric: c.metric,
    observed: c.observed,
    limit: c.limit,
    unit: c.unit,
    outcome: c.outcome,
    message: c.message,
  };
  if (c.layer !== undefined) r.layer = c.layer;
  if (c.waived !== undefined) r.waived = c.waived;
  if (c.expiredWaiver !== undefined) r.expiredWaiver = c.expiredWaiver;
  return r;
}

/** The entry before waivers, and reasons that are not budget checks (never waivable). */
function compareEntry(config: Config, p: ComparePair): { entry: EntryComparison; extra: Reason[] } {
  const baselineSource = p.baselineSource ?? (p.base !== undefined ? 'remeasured' : 'none');
  const entry: EntryComparison = {
    model: p.model,
    board: p.board,
    status: 'compared',
    verdict: 'pass',
    baselineSource,
    metrics: [],
    layers: [],
    checks: [],
  };
  if (p.base !== undefined) entry.base = p.base;
  const note = (kind: Reason['kind'], message: string): Reason => ({
    model: p.model,
    board: p.board,
    kind,
    observed: null,
    limit: null,
    unit: '',
    outcome: 'inconclusive',
    message,
  });
  if (p.error !== undefined || p.head === undefined) {
    const error = p.error ?? 'no result for the head commit';
    return { entry: { ...entry, status: 'error', error }, extra: [note('measurement', error)] };
  }
  const head = p.head;
  entry.head = head;
  const extra: Reason[] = [];
  let base = p.base;
  if (base === undefined) {
    entry.status = 'new';
  } else {
    const diff = fingerprintDifference(base, head);
    if (diff !== null) {
      entry.status = 'incomparable';
      extra.push(
        note('baseline', `baseline not compared: measured on another fingerprint (${diff})`),
      );
      base = undefined;
    }
  }
  const paths = base !== undefined ? { base: pathsOf(base), head: pathsOf(head) } : undefined;
  const pairs = matchLayers(base?.model.layers ?? [], head.model.layers, paths);
  entry.metrics = metricDeltas(base, head);
  entry.layers = layerDeltas(pairs, base, head);
  entry.checks = evaluateBudgets({
    config,
    model: p.model,
    board: p.board,
    ...(base !== undefined ? { base } : {}),
    head,
    metrics: entry.metrics,
    layers: entry.layers,
  });
  return { entry, extra };
}

function pathsOf(doc: ResultDocument): KernelPath[] {
  const out: KernelPath[] = [];
  for (const l of doc.layers) out[l.index] = l.kernelPath;
  return out;
}

const FINGERPRINT: (keyof BoardFingerprint)[] = [
  'boardId',
  'kind',
  'machine',
  'core',
  'clockHz',
  'fpu',
  'dsp',
  'kernelSet',
  'firmwareHash',
  'compiler',
];

/** Null when base and head were measured alike; else the first difference, named. */
export function fingerprintDifference(base: ResultDocument, head: ResultDocument): string | null {
  for (const k of FINGERPRINT) {
    if (base.board[k] !== head.board[k]) {
      return `${k} ${String(base.board[k])} vs ${String(head.board[k])}`;
    }
  }
  if (base.timeUnit !== head.timeUnit) return `timeUnit ${base.timeUnit} vs ${head.timeUnit}`;
  return null;
}
