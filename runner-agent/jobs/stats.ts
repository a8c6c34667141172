// Repeat statistics and the conversion of the device's timer ticks into the result
// document's time unit. A QEMU board with -icount shift=0 executes one instruction per
// nanosecond of virtual time, so a timer at tickHz advances once per 1e9 / tickHz
// instructions (40 for the MPS2 boards' 25 MHz CMSDK timer): emulated figures are
// instruction counts, never cycles. Real boards count cycles at the core clock.
import type { Microseconds, TickStats, TimeUnit } from '../../src/schema/result-types.ts';

export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('median of no values');
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, min, max and median absolute deviation of integer samples. */
export function tickStats(values: readonly number[]): TickStats {
  const sorted = [...values].sort((a, b) => a - b);
  const med = median(sorted);
  const dev = sorted.map((v) => Math.abs(v - med)).sort((a, b) => a - b);
  return {
    median: med,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    mad: median(dev),
    n: sorted.length,
  };
}

export interface TickScale {
  unit: TimeUnit;
  /** Units of `unit` per device tick. */
  perTick: number;
  /** Core clock for the microseconds. */
  clockHz: number;
  /** Microseconds are modelled (emulated boards) rather than measured. */
  modelled: boolean;
}

export function tickScale(kind: 'real' | 'emulated', tickHz: number, clockHz: number): TickScale {
  if (!(tickHz > 0) || !(clockHz > 0)) {
    throw new RangeError(`tick rate ${tickHz} Hz and clock ${clockHz} Hz must be positive`);
  }
  return kind === 'emulated'
    ? { unit: 'instructions', perTick: 1e9 / tickHz, clockHz, modelled: true }
    : { unit: 'cycles', perTick: clockHz / tickHz, clockHz, modelled: false };
}

/** Device ticks -> whole units (instructions or cycles); the tick is the resolution anyway. */
export function toUnits(scale: TickScale, ticks: number): number {
  return Math.round(ticks * scale.perTick);
}

/**
 * Median time at the clock. Emulated: the instruction count at one instruction per cycle
 * of the nominal clock, a model (QEMU has no pipeline, caches or wait states).
 */
export function microseconds(scale: TickScale, stats: TickStats): Microseconds {
  return { median: (stats.median / scale.clockHz) * 1e6, modelled: scale.modelled };
}
