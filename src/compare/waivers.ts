// Waivers: a broken (or undecidable) budget that a waiver covers is kept in the results,
// marked waived, and no longer decides the verdict. A waiver covers a check when its
// metric is the check's metric (absolute, relative and per-layer budgets alike) and its
// model is absent or the check's model. `until` is the last day it applies, inclusive,
// in UTC; after it the waiver is ignored and the checks it would have covered say so.
import type { Waiver } from '../schema/config-types.ts';
import type { BudgetCheck } from './budgets.ts';

export interface WaiverState {
  waiver: Waiver;
  status: 'active' | 'expired';
  /** Failing or inconclusive checks it covers (active) or would have covered (expired). */
  covers: number;
}

/** The UTC calendar day of `now`, 'YYYY-MM-DD' (compares correctly as a string). */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function isActive(w: Waiver, now: Date): boolean {
  return w.until === undefined || utcDay(now) <= w.until;
}

/**
 * Returns copies of `checks` with `waived` or `expiredWaiver` set on fail and inconclusive
 * outcomes, and the state of every waiver. The first active waiver that covers a check wins.
 */
export function applyWaivers(
  checks: readonly BudgetCheck[],
  waivers: readonly Waiver[],
  now: Date,
): { checks: BudgetCheck[]; states: WaiverState[] } {
  const states: WaiverState[] = waivers.map((waiver) => ({
    waiver,
    status: isActive(waiver, now) ? 'active' : 'expired',
    covers: 0,
  }));
  const out = checks.map((c) => {
    if (c.outcome !== 'fail' && c.outcome !== 'inconclusive') return { ...c };
    const covering = states.filter(
      (s) => s.waiver.metric === c.metric && (s.waiver.model ?? c.model) === c.model,
    );
    const active = covering.find((s) => s.status === 'active');
    for (const s of covering) if (s === active || active === undefined) s.covers++;
    if (active !== undefined) {
      const { reason, until } = active.waiver;
      return { ...c, waived: until === undefined ? { reason } : { reason, until } };
    }
    const expired = covering[0];
    if (expired !== undefined && expired.waiver.until !== undefined) {
      return {
        ...c,
        expiredWaiver: { reason: expired.waiver.reason, until: expired.waiver.until },
      };
    }
    return { ...c };
  });
  return { checks: out, states };
}
