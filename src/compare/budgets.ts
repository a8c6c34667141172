// Budget evaluation for one model on one board: every budget of the configuration that
// applies is turned into a BudgetCheck (pass, fail, inconclusive, not enforced or
// unavailable) with the observed figure, the limit and a message. Semantics are those
// of docs/configuration.md; the checks' own rules are in docs/report.md ("Budgets").
import type { AbsoluteLimits, RelativeMetric } from '../schema/config-types.ts';
import type { ResultDocument } from '../schema/result-types.ts';
import {
  finish,
  judge,
  pctMessage,
  type BudgetCheck,
  type BudgetInput,
  type Draft,
} from './checks.ts';
import { tickBound, type MetricId } from './deltas.ts';
import { formatFigure, formatLimit, formatNumber, formatSigned } from './format.ts';
import { perLayerChecks } from './per-layer.ts';

export type { BudgetCheck, BudgetInput, BudgetKind, CheckOutcome, LayerRef } from './checks.ts';
export { describeLayer, displayName, globMatch, layerMatches } from './per-layer.ts';

/** The schema's defaults (schemas/config.schema.json); a test keeps the two equal. */
export const RELATIVE_DEFAULTS: {
  maxRegressionPct: Record<RelativeMetric, number>;
  maxAccuracyDropPts: number;
} = { maxRegressionPct: { latency: 5, energy: 5, flash: 2, ram: 2 }, maxAccuracyDropPts: 1 };

/** Every applicable check, in order: absolute, relative, per layer. */
export function evaluateBudgets(input: BudgetInput): BudgetCheck[] {
  const checks = absoluteChecks(input);
  if (input.base !== undefined) {
    checks.push(...relativeChecks(input, input.base), ...perLayerChecks(input));
  }
  return checks;
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
  const lim = `${formatFigure(d.limit)} ${unit}`;
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
    const change = `${formatFigure(m.base)} -> ${formatFigure(m.head)} ${unit}`;
    out.push(
      finish(
        input,
        d,
        judge(d.observed, d.limit, d.noise),
        pctMessage(label, d, `relative limit (${change})`, metric === 'latency' ? unit : ''),
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
