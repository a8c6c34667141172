// The two tables of one model on one board: the summary (one row per metric) and the
// per-layer diff (one row per aligned layer, most regressed first). Cells are escaped
// here; markdown-table only lays them out.
import { markdownTable } from 'markdown-table';
import { displayName, type BudgetCheck } from '../compare/budgets.ts';
import type { Delta, LayerDelta, MetricDelta, MetricId } from '../compare/deltas.ts';
import { formatLimit, formatNumber, formatPct, formatSigned } from '../compare/format.ts';
import { formatShape } from '../compare/layer-match.ts';
import type { EntryComparison } from '../compare/verdict.ts';
import type { ResultDocument } from '../schema/result-types.ts';
import { escapeText } from './escape.ts';
import { explainPathChange } from './kernel-paths.ts';

/** Compact layout: no alignment padding, which would only cost characters. */
const TABLE = { alignDelimiters: false } as const;

/** 'instructions (emulated)' on QEMU boards, 'cycles' on silicon. */
export function tickUnit(doc: ResultDocument): string {
  return doc.timeUnit === 'instructions' ? 'instructions, emulated' : 'cycles';
}

function metricLabel(m: MetricDelta, doc: ResultDocument): string {
  const modelled = m.modelled ? ', modelled' : '';
  switch (m.metric) {
    case 'latency':
      return `Latency (${tickUnit(doc)})`;
    case 'latencyUs':
      return `Latency (ms${modelled})`;
    case 'energy':
      return `Energy (µJ${modelled})`;
    case 'accuracyHostInt8':
      return 'Accuracy, host int8 (%)';
    case 'accuracyDevice':
      return 'Accuracy, device (%)';
    case 'flash':
      return 'Flash (bytes)';
    case 'ram':
      return 'RAM (bytes)';
  }
}

/** Shown value of a metric (latencyUs is shown in milliseconds). */
function shown(metric: MetricId, x: number): number {
  return metric === 'latencyUs' ? x / 1000 : x;
}

function digits(metric: MetricId, x: number): number {
  if (metric === 'latencyUs' || metric === 'energy') return Math.abs(x) < 10 ? 3 : 2;
  return metric === 'accuracyHostInt8' || metric === 'accuracyDevice' ? 2 : 0;
}

function value(metric: MetricId, x: number | null): string {
  if (x === null) return '–';
  const v = shown(metric, x);
  return formatNumber(v, digits(metric, v));
}

function deltaCell(m: MetricDelta): string {
  if (m.delta === null) return '–';
  const d = shown(m.metric, m.delta);
  if (m.metric === 'accuracyHostInt8' || m.metric === 'accuracyDevice') {
    return `${formatSigned(d, 2)} pts`;
  }
  const abs = formatSigned(d, digits(m.metric, d));
  return m.deltaPct === null ? abs : `${abs} (${formatPct(m.deltaPct)})`;
}

function budgetCell(checks: readonly BudgetCheck[]): string {
  const parts = checks.map((c) => {
    const unit = c.unit === '%' ? '%' : c.unit === 'uJ' ? ' µJ' : ` ${c.unit}`;
    let text: string;
    if (c.kind === 'relative') {
      text =
        c.metric === 'accuracy'
          ? `drop ≤ ${formatLimit(c.limit)} pt`
          : `≤ +${formatLimit(c.limit)}%`;
    } else if (c.metric === 'accuracy') {
      text = `≥ ${formatLimit(c.limit)}%`;
    } else {
      text = `≤ ${Number.isInteger(c.limit) ? formatNumber(c.limit) : formatLimit(c.limit)}${unit}`;
    }
    if (c.outcome === 'not-enforced') text += ' (not enforced: modelled)';
    if (c.outcome === 'unavailable') text += ' (not checked)';
    return text;
  });
  return parts.length > 0 ? parts.join('; ') : '–';
}

/** The status symbol of a row: a budget outcome first, then the direction of the change. */
export function statusCell(d: Delta, checks: readonly BudgetCheck[], isNew: boolean): string {
  if (checks.some((c) => c.outcome === 'fail' && c.waived === undefined)) return '❌ over budget';
  if (checks.some((c) => c.outcome === 'inconclusive' && c.waived === undefined)) {
    return '⚠️ within noise of budget';
  }
  if (checks.some((c) => c.waived !== undefined)) return '🟡 waived';
  switch (d.status) {
    case 'regressed':
      return '🔺 worse';
    case 'improved':
      return '🟢 better';
    case 'unchanged':
      return '➖ same';
    case 'noise':
      return '≈ noise';
    case 'incomparable':
      return isNew ? '🆕 new' : '–';
  }
}

/** The summary table of one entry that has a head result. */
export function summaryTable(e: EntryComparison, head: ResultDocument): string {
  const rows = e.metrics.map((m) => {
    const checks = e.checks.filter((c) => c.row === m.metric && c.kind !== 'perLayer');
    return [
      metricLabel(m, head),
      value(m.metric, m.base),
      value(m.metric, m.head),
      deltaCell(m),
      budgetCell(checks),
      statusCell(m, checks, e.status === 'new'),
    ];
  });
  return markdownTable([['Metric', 'Base', 'Head', 'Delta', 'Budget', 'Status'], ...rows], TABLE);
}

/** Sort key: the largest increase first; an added layer counts its whole time, a removed one its loss. */
function regression(l: LayerDelta): number {
  if (l.ticks.delta !== null) return l.ticks.delta;
  return (l.ticks.head ?? 0) - (l.ticks.base ?? 0);
}

/** Layers most regressed first; ties keep execution order. */
export function orderLayers(layers: readonly LayerDelta[]): LayerDelta[] {
  return [...layers].sort((a, b) => regression(b) - regression(a));
}

function pair<T>(a: T | null, b: T | null, fmt: (x: T) => string): string {
  if (a === null && b === null) return '–';
  if (a === null) return fmt(b as T);
  if (b === null || fmt(a) === fmt(b)) return fmt(a);
  return `${fmt(a)} → ${fmt(b)}`;
}

/** The per-layer table over `rows` (already ordered and cut). */
export function layerTable(e: EntryComparison, rows: readonly LayerDelta[]): string {
  const head = e.head as ResultDocument;
  const unit = head.timeUnit === 'instructions' ? 'instr.' : 'cycles';
  const header = [
    '#',
    'Layer',
    'Operator',
    'Output shape',
    'MACs',
    `Base (${unit})`,
    `Head (${unit})`,
    'Δ %',
    'Energy Δ (µJ)',
    `${unit}/MAC`,
    'Kernel path',
    'Flags',
  ];
  const body = rows.map((l) => {
    const bl = l.pair.base !== undefined ? e.base?.model.layers[l.pair.base] : undefined;
    const hl = l.pair.head !== undefined ? head.model.layers[l.pair.head] : undefined;
    const name = hl?.outputs[0]?.name ?? bl?.outputs[0]?.name ?? '';
    const shapeOf = (x: typeof hl): number[] | null => x?.outputs[0]?.shape ?? null;
    const flags =
      l.pair.status === 'added'
        ? 'added'
        : l.pair.status === 'removed'
          ? `removed (base layer ${l.pair.base})`
          : l.pair.changes.join('; ');
    const energy = l.energy?.delta ?? null;
    return [
      l.pair.head !== undefined ? String(l.pair.head) : '–',
      escapeText(displayName(name)),
      escapeText((hl ?? bl)?.op ?? ''),
      pair(shapeOf(bl), shapeOf(hl), formatShape),
      pair(l.macs.base, l.macs.head, (x) => formatNumber(x)),
      l.ticks.base !== null ? formatNumber(l.ticks.base) : '–',
      l.ticks.head !== null ? formatNumber(l.ticks.head) : '–',
      l.ticks.deltaPct !== null ? formatPct(l.ticks.deltaPct) : '–',
      energy === null
        ? '–'
        : energy === 0
          ? '0'
          : formatSigned(energy, Math.abs(energy) < 10 ? 3 : 1),
      pair(l.ticksPerMac.base, l.ticksPerMac.head, (x) => formatNumber(x, 2)),
      pair(l.kernelPath.base, l.kernelPath.head, (x) => x),
      escapeText(flags),
    ];
  });
  return markdownTable([header, ...body], TABLE);
}

/** One list item per layer whose kernel path changed, for the rows shown. */
export function pathNotes(e: EntryComparison, rows: readonly LayerDelta[]): string[] {
  const out: string[] = [];
  for (const l of rows) {
    const why = explainPathChange(l.kernelPath.base, l.kernelPath.head, l.pair.changes);
    if (why === null || l.pair.head === undefined || e.head === undefined) continue;
    const layer = e.head.model.layers[l.pair.head];
    const name = layer.outputs[0]?.name ?? '';
    out.push(
      `- Layer ${l.pair.head} ${escapeText(displayName(name))} (${escapeText(layer.op)}): ${escapeText(why)}`,
    );
  }
  return out;
}
