// Deltas between the base and the head measurement of one model on one board, for the
// whole inference and for every matched layer, each with a noise bound that decides
// whether the change is real.
//
// Noise (docs/report.md, "Noise"):
// - Emulated boards (timeUnit 'instructions') are deterministic: bound 0, every change is real.
// - Real boards: the bound on a tick delta is K_NOISE x 1.4826 x (MAD_base + MAD_head),
//   1.4826 x MAD being the standard deviation of normally distributed repeats. With K_NOISE = 3
//   a change smaller than three combined standard deviations is reported as 'noise'.
// - Energy on real boards comes from the same marked windows as the ticks, so it carries
//   their relative bound (bound_ticks / ticks, applied to the larger energy figure).
// - Flash, RAM and accuracy are exact (same files, same dataset, integer arithmetic): bound 0.
import type { LayerPair } from './layer-match.ts';
import type {
  BoardKind,
  KernelPath,
  LayerResult,
  ResultDocument,
  TickStats,
} from '../schema/result-types.ts';

/** How many combined standard deviations a real-board change must exceed. */
export const K_NOISE = 3;
/** MAD of a normal distribution times this is its standard deviation. */
export const MAD_TO_SIGMA = 1.4826;

export type DeltaStatus = 'regressed' | 'improved' | 'unchanged' | 'noise' | 'incomparable';

export interface Delta {
  base: number | null;
  head: number | null;
  /** head - base; null when either side is missing. */
  delta: number | null;
  /** delta / base x 100; null when either side is missing or base is 0. */
  deltaPct: number | null;
  /** A |delta| at or below this is within measurement noise (unit of delta); 0: exact. */
  bound: number;
  /** 'incomparable': one side is missing (new model, added or removed layer, no meter). */
  status: DeltaStatus;
}

/** Rows of the summary table, in display order. */
export type MetricId =
  'latency' | 'latencyUs' | 'energy' | 'accuracyHostInt8' | 'accuracyDevice' | 'flash' | 'ram';

export interface MetricDelta extends Delta {
  metric: MetricId;
  /** 'instructions', 'cycles', 'us', 'uJ', 'bytes' or '%' (accuracy). */
  unit: string;
  /** The figure is computed from a model (emulated time or energy), not measured. */
  modelled: boolean;
}

export interface LayerDelta {
  pair: LayerPair;
  ticks: Delta;
  /** Null when neither side has per-layer energy. */
  energy: Delta | null;
  macs: { base: number | null; head: number | null };
  ticksPerMac: { base: number | null; head: number | null };
  kernelPath: { base: KernelPath | null; head: KernelPath | null };
}

/** Lower is better for time, energy and bytes; higher for accuracy. */
export function makeDelta(
  base: number | null,
  head: number | null,
  bound: number,
  higherIsBetter = false,
): Delta {
  if (base === null || head === null) {
    return { base, head, delta: null, deltaPct: null, bound, status: 'incomparable' };
  }
  const delta = head - base;
  const deltaPct = base !== 0 ? (delta / base) * 100 : null;
  let status: DeltaStatus;
  if (delta === 0) status = 'unchanged';
  else if (Math.abs(delta) <= bound) status = 'noise';
  else status = delta > 0 !== higherIsBetter ? 'regressed' : 'improved';
  return { base, head, delta, deltaPct, bound, status };
}

/** Noise bound on a difference of two tick medians (0 on emulated boards). */
export function tickBound(
  kind: BoardKind,
  base: TickStats | undefined,
  head: TickStats | undefined,
): number {
  if (kind === 'emulated') return 0;
  return K_NOISE * MAD_TO_SIGMA * ((base?.mad ?? 0) + (head?.mad ?? 0));
}

/** The tick bound carried over to a figure measured over the same windows (energy). */
function relativeBound(
  bound: number,
  ticks: Delta,
  base: number | null,
  head: number | null,
): number {
  const t = Math.max(ticks.base ?? 0, ticks.head ?? 0);
  if (bound === 0 || t === 0) return 0;
  return (bound / t) * Math.max(base ?? 0, head ?? 0);
}

/** Whole-inference deltas; `base` absent for a new model (every status 'incomparable'). */
export function metricDeltas(
  base: ResultDocument | undefined,
  head: ResultDocument,
): MetricDelta[] {
  const kind = head.board.kind;
  const rows: MetricDelta[] = [];
  const push = (metric: MetricId, unit: string, modelled: boolean, d: Delta): void => {
    rows.push({ metric, unit, modelled, ...d });
  };
  const tb = tickBound(kind, base?.totals.ticks, head.totals.ticks);
  const ticks = makeDelta(base?.totals.ticks.median ?? null, head.totals.ticks.median, tb);
  push('latency', head.timeUnit, kind === 'emulated', ticks);

  const usB = base?.totals.microseconds ?? null;
  const usH = head.totals.microseconds;
  if (usB !== null || usH !== null) {
    const modelled = (usH ?? usB)?.modelled ?? false;
    const bound = (tb / head.board.clockHz) * 1e6;
    push('latencyUs', 'us', modelled, makeDelta(usB?.median ?? null, usH?.median ?? null, bound));
  }

  const eB = base?.totals.energyUj;
  const eH = head.totals.energyUj;
  if (eB !== undefined || eH !== undefined) {
    const b = eB?.value ?? null;
    const h = eH?.value ?? null;
    const bound = relativeBound(tb, ticks, b, h);
    push('energy', 'uJ', (eH ?? eB)?.modelled ?? false, makeDelta(b, h, bound));
  }

  // No accuracy row for a model without a dataset (no accuracy on either side).
  const aB = base?.accuracy;
  const aH = head.accuracy;
  if (aB?.hostInt8 !== undefined || aH?.hostInt8 !== undefined) {
    const d = makeDelta(aB?.hostInt8 ?? null, aH?.hostInt8 ?? null, 0, true);
    push('accuracyHostInt8', '%', false, d);
  }
  if (aB?.device !== undefined || aH?.device !== undefined) {
    push('accuracyDevice', '%', false, makeDelta(aB?.device ?? null, aH?.device ?? null, 0, true));
  }

  const fB = base?.footprint;
  push('flash', 'bytes', false, makeDelta(fB?.flashBytes ?? null, head.footprint.flashBytes, 0));
  push('ram', 'bytes', false, makeDelta(fB?.ramBytes ?? null, head.footprint.ramBytes, 0));
  return rows;
}

/** Per-layer deltas along the alignment; `base` absent for a new model. */
export function layerDeltas(
  pairs: readonly LayerPair[],
  base: ResultDocument | undefined,
  head: ResultDocument,
): LayerDelta[] {
  const kind = head.board.kind;
  const byIndex = (doc: ResultDocument | undefined): Map<number, LayerResult> =>
    new Map((doc?.layers ?? []).map((l) => [l.index, l]));
  const bl = byIndex(base);
  const hl = byIndex(head);
  return pairs.map((pair) => {
    const b = pair.base !== undefined ? bl.get(pair.base) : undefined;
    const h = pair.head !== undefined ? hl.get(pair.head) : undefined;
    const bound = tickBound(kind, b?.ticks, h?.ticks);
    const ticks = makeDelta(b?.ticks.median ?? null, h?.ticks.median ?? null, bound);
    let energy: Delta | null = null;
    if (b?.energyUj !== undefined || h?.energyUj !== undefined) {
      const eb = b?.energyUj?.value ?? null;
      const eh = h?.energyUj?.value ?? null;
      energy = makeDelta(eb, eh, relativeBound(bound, ticks, eb, eh));
    }
    const bm = pair.base !== undefined ? base?.model.layers[pair.base]?.macs : undefined;
    const hm = pair.head !== undefined ? head.model.layers[pair.head]?.macs : undefined;
    return {
      pair,
      ticks,
      energy,
      macs: { base: bm ?? null, head: hm ?? null },
      ticksPerMac: { base: b?.ticksPerMac ?? null, head: h?.ticksPerMac ?? null },
      kernelPath: { base: b?.kernelPath ?? null, head: h?.kernelPath ?? null },
    };
  });
}
