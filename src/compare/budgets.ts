// Budget evaluation for one model on one board: every budget of the configuration that
// applies is turned into a BudgetCheck (pass, fail, inconclusive, not enforced or
// unavailable) with the observed figure, the limit and a message. Semantics are those
// of docs/configuration.md; the checks' own rules are in docs/report.md ("Budgets").
import type {
  AbsoluteLimits,
  Config,
  LayerMatch,
  RelativeMetric,
  WaiverMetric,
} from '../schema/config-types.ts';
import type { ResultDocument } from '../schema/result-types.ts';
import { tickBound, type LayerDelta, type MetricDelta, type MetricId } from './deltas.ts';
import { formatLimit, formatNumber, formatPct, formatSigned } from './format.ts';

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

/** The schema's defaults (schemas/config.schema.json); a test keeps the two equal. */
export const RELATIVE_DEFAULTS: {
  maxRegressionPct: Record<RelativeMetric, number>;
  maxAccuracyDropPts: number;
} = { maxRegressionPct: { latency: 5, energy: 5, flash: 2, ram: 2 }, maxAccuracyDropPts: 1 };

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

/** Every applicable check, in order: absolute, relative, per layer. */
export function evaluateBudgets(input: BudgetInput): BudgetCheck[] {
  const checks = absoluteChecks(input);
  if (input.base !== undefined) {
    checks.push(...relativeChecks(input, input.base), ...perLayerChecks(input));
  }
  return checks;
}

type Draft = Omit<BudgetCheck, 'model' | 'board' | 'outcome' | 'message'>;

/** Outcome of a limit: within noise of it is inconclusive, strictly past it fails. */
function judge(observed: number, limit: number, noise: number, min = false): CheckOutcome {
  if (noise > 0 && Math.abs(observed - limit) <= noise) return 'inconclusive';
  return (min ? observed < limit : observed > limit) ? 'fail' : 'pass';
}

function finish(input: BudgetInput, d: Draft, outcome: CheckOutcome, message: string): BudgetCheck {
  return { model: input.model, board: input.board, ...d, outcome, message };
}

function absoluteChecks(input: BudgetInput): BudgetCheck[] {
  const { head, config, model } = input;
  const abs = config.budgets?.absolute;
  const limits: AbsoluteLimits = { ...abs, ...abs?.perModel?.[model] };
  const out: BudgetCheck[] = [];
  const real = head.board.kind === 'real';
  const headNoise = tickBound(head.board.kind, undefined, head.totals.ticks);

  if (limits.latencyMs !== undefined) {
    const limit = limits.latencyMs;
    const us = head.totals.microseconds;
    const ms =
      us !== null
        ? us.median / 1000
        : head.timeUnit === 'cycles'
          ? (head.totals.ticks.median / head.board.clockHz) * 1000
          : null;
    const noise = (headNoise / head.board.clockHz) * 1000;
    const d: Draft = {
      kind: 'absolute',
      metric: 'latency',
      row: 'latencyUs',
      observed: ms,
      limit,
      unit: 'ms',
      noise,
    };
    out.push(absolute(input, d, real && !(us?.modelled ?? false), 'latency', 'ms', 2));
  }
  if (limits.energyUj !== undefined) {
    const e = head.totals.energyUj;
    const t = head.totals.ticks.median;
    const noise = e !== undefined && t > 0 ? (headNoise / t) * e.value : 0;
    const d: Draft = {
      kind: 'absolute',
      metric: 'energy',
      row: 'energy',
      observed: e?.value ?? null,
      limit: limits.energyUj,
      unit: 'uJ',
      noise,
    };
    out.push(absolute(input, d, real && !(e?.modelled ?? false), 'energy', 'uJ', 1));
  }
  if (limits.flashBytes !== undefined) {
    const d: Draft = {
      kind: 'absolute',
      metric: 'flash',
      row: 'flash',
      observed: head.footprint.flashBytes,
      limit: limits.flashBytes,
      unit: 'bytes',
      noise: 0,
    };
    out.push(absolute(input, d, true, 'flash', 'bytes', 0));
  }
  if (limits.ramBytes !== undefined) {
    const d: Draft = {
      kind: 'absolute',
      metric: 'ram',
      row: 'ram',
      observed: head.footprint.ramBytes,
      limit: limits.ramBytes,
      unit: 'bytes',
      noise: 0,
    };
    out.push(absolute(input, d, true, 'RAM', 'bytes', 0));
  }
  if (limits.minAccuracy !== undefined) {
    const limit = limits.minAccuracy;
    const device = head.accuracy?.device ?? null;
    const d: Draft = {
      kind: 'absolute',
      metric: 'accuracy',
      row: 'accuracyDevice',
      observed: device,
      limit,
      unit: '%',
      noise: 0,
    };
    if (device === null) {
      const why =
        head.accuracy === undefined
          ? 'the model has no dataset'
          : 'no device accuracy was measured';
      out.push(
        finish(
          input,
          d,
          'unavailable',
          `device accuracy: ${why}, minimum ${formatLimit(limit)}% not checked`,
        ),
      );
    } else {
      const outcome = judge(device, limit, 0, true);
      const rel = outcome === 'fail' ? '<' : '>=';
      out.push(
        finish(
          input,
          d,
          outcome,
          `device accuracy ${formatNumber(device, 2)}% ${rel} ${formatLimit(limit)}% minimum`,
        ),
      );
    }
  }
  return out;
}

/** An absolute maximum; `enforced` false: shown beside the budget, never failing. */
function absolute(
  input: BudgetInput,
  d: Draft,
  enforced: boolean,
  label: string,
  unit: string,
  digits: number,
): BudgetCheck {
  const lim = `${formatLimit(d.limit)} ${unit}`;
  if (d.observed === null) {
    const why = label === 'energy' ? 'no energy meter on this board' : 'no time in the result';
    return finish(input, d, 'unavailable', `${label}: ${why}, limit ${lim} not checked`);
  }
  const value = `${formatNumber(d.observed, digits)} ${unit}`;
  if (!enforced) {
    const msg = `${label} ${value} (modelled) against ${lim}: not enforced on an emulated board`;
    return finish(input, d, 'not-enforced', msg);
  }
  const outcome = judge(d.observed, d.limit, d.noise);
  const msg =
    outcome === 'inconclusive'
      ? `${label} ${value} is within noise (±${formatNumber(d.noise, digits)} ${unit}) of the ${lim} limit`
      : `${label} ${value} ${outcome === 'fail' ? '>' : '<='} ${lim} limit`;
  return finish(input, d, outcome, msg);
}

function relativeChecks(input: BudgetInput, base: ResultDocument): BudgetCheck[] {
  const { config, head, metrics } = input;
  const rel = config.budgets?.relative;
  const maxPct = { ...RELATIVE_DEFAULTS.maxRegressionPct, ...rel?.maxRegressionPct };
  const out: BudgetCheck[] = [];
  const rows: [RelativeMetric, MetricId, string][] = [
    ['latency', 'latency', head.timeUnit],
    ['energy', 'energy', 'uJ'],
    ['flash', 'flash', 'bytes'],
    ['ram', 'ram', 'bytes'],
  ];
  for (const [metric, row, unit] of rows) {
    const m = metrics.find((x) => x.metric === row);
    if (m === undefined) continue;
    const label = metric === 'ram' ? 'RAM' : metric;
    const d: Draft = {
      kind: 'relative',
      metric,
      row,
      observed: null,
      limit: maxPct[metric],
      unit: '%',
      noise: 0,
    };
    if (m.base === null || m.head === null || m.base === 0) {
      const why =
        m.base === null || m.head === null ? 'not measured on both commits' : 'the baseline is 0';
      out.push(
        finish(
          input,
          d,
          'unavailable',
          `${label}: ${why}, ${formatLimit(d.limit)}% relative limit not checked`,
        ),
      );
      continue;
    }
    d.observed = ((m.head - m.base) / m.base) * 100;
    d.noise = (m.bound / m.base) * 100;
    const change = `${formatNumber(m.base)} -> ${formatNumber(m.head)} ${unit}`;
    out.push(
      finish(
        input,
        d,
        judge(d.observed, d.limit, d.noise),
        pctMessage(label, d, `relative limit (${change})`, unit),
      ),
    );
  }

  const dev = metrics.find((x) => x.metric === 'accuracyDevice');
  if (dev !== undefined && base.accuracy !== undefined) {
    const limit = rel?.maxAccuracyDropPts ?? RELATIVE_DEFAULTS.maxAccuracyDropPts;
    const d: Draft = {
      kind: 'relative',
      metric: 'accuracy',
      row: 'accuracyDevice',
      observed: null,
      limit,
      unit: 'pts',
      noise: 0,
    };
    if (dev.base === null || dev.head === null) {
      out.push(
        finish(
          input,
          d,
          'unavailable',
          `device accuracy: not measured on both commits, ${formatLimit(limit)} pt drop limit not checked`,
        ),
      );
    } else {
      d.observed = dev.base - dev.head;
      const outcome = judge(d.observed, limit, 0);
      const change = `${formatNumber(dev.base, 2)}% -> ${formatNumber(dev.head, 2)}%`;
      const cmp = outcome === 'fail' ? '>' : '<=';
      const msg = `device accuracy ${formatSigned(-d.observed, 2)} pts (${change}): drop ${cmp} ${formatLimit(limit)} pt limit`;
      out.push(finish(input, d, outcome, msg));
    }
  }
  return out;
}

/** 'latency: +7.3% instructions > 5% relative limit (...)' and its noise variant. */
function pctMessage(label: string, d: Draft, what: string, unit: string): string {
  const obs = d.observed ?? 0;
  const head = `${label}: ${formatPct(obs)} ${unit}`;
  const outcome = judge(obs, d.limit, d.noise);
  if (outcome === 'inconclusive') {
    return `${head} is within noise (±${formatNumber(d.noise, 1)}%) of the ${formatLimit(d.limit)}% ${what}`;
  }
  return `${head} ${outcome === 'fail' ? '>' : '<='} ${formatLimit(d.limit)}% ${what}`;
}

function perLayerChecks(input: BudgetInput): BudgetCheck[] {
  const entries = input.config.budgets?.perLayer ?? [];
  if (entries.length === 0) return [];
  const out: BudgetCheck[] = [];
  const unit = input.head.timeUnit;
  for (const l of input.layers) {
    if (l.pair.base === undefined || l.pair.head === undefined) continue;
    const layer = input.head.model.layers[l.pair.head];
    const ref: LayerRef = { index: layer.index, op: layer.op, name: layer.outputs[0]?.name ?? '' };
    const entry = entries.find(
      (e) => (e.model === undefined || e.model === input.model) && layerMatches(e.match, ref),
    );
    if (entry === undefined) continue;
    const metric = entry.metric ?? 'latency';
    const delta = metric === 'latency' ? l.ticks : l.energy;
    const d: Draft = {
      kind: 'perLayer',
      metric,
      row: metric === 'latency' ? 'latency' : 'energy',
      layer: ref,
      observed: null,
      limit: entry.maxRegressionPct,
      unit: '%',
      noise: 0,
    };
    const who = describeLayer(ref);
    if (delta === null || delta.base === null || delta.head === null || delta.base === 0) {
      out.push(
        finish(
          input,
          d,
          'unavailable',
          `${who}: ${metric} not measured on both commits, per-layer limit not checked`,
        ),
      );
      continue;
    }
    d.observed = ((delta.head - delta.base) / delta.base) * 100;
    d.noise = (delta.bound / delta.base) * 100;
    const what = metric === 'latency' ? unit : 'uJ';
    out.push(
      finish(
        input,
        d,
        judge(d.observed, d.limit, d.noise),
        pctMessage(who, d, 'per-layer limit', what),
      ),
    );
  }
  return out;
}

/** `conv2d_1 (CONV_2D, layer 3)`; a layer without an output name reads `CONV_2D (layer 3)`. */
export function describeLayer(l: LayerRef): string {
  return l.name !== '' ? `${l.name} (${l.op}, layer ${l.index})` : `${l.op} (layer ${l.index})`;
}

export function layerMatches(match: LayerMatch, l: LayerRef): boolean {
  if ('op' in match) return match.op === l.op;
  if ('index' in match) return match.index === l.index;
  return globMatch(match.name, l.name);
}

/** `*` any run of characters (including '/'), `?` one character; everything else literal. */
export function globMatch(pattern: string, text: string): boolean {
  const re = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`, 's').test(text);
}
