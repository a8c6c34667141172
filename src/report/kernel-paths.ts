// Why a layer's kernel path changed between base and head, in one sentence for the report.
//
// The firmware chooses a layer's path in one predicate per operator and reports it
// (docs/engine.md: 0 ref, 1 opt fast path, 2 opt build whose fast path this layer's
// shape missed). The firmware documents no opt kernel yet (firmware/engine/kernels/opt
// does not exist), so there are no fast-path preconditions to quote here: the sentence
// states the change plainly and lists what changed in the layer's shapes, which is what
// the path depends on. When the opt set lands, its predicates belong in this file, so
// that the report can say which precondition failed (e.g. channels not a multiple of 4).
import type { KernelPath } from '../schema/result-types.ts';

const MEANING: Record<KernelPath, string> = {
  ref: 'the reference kernel (portable C)',
  opt: "the opt kernel set's fast path",
  'opt-fallback': 'the reference loop of an opt build (the fast path was missed)',
};

/**
 * A plain sentence for a path change, e.g. `opt -> opt-fallback: this layer no longer takes
 * the opt kernel set's fast path and runs the reference loop; its shapes changed: input
 * channels 32 -> 30`. `changes` are the layer-match changes (kernel path entries are skipped).
 * Returns null when the path did not change. The text is not escaped (changes name no
 * external strings, but the caller escapes anyway).
 */
export function explainPathChange(
  from: KernelPath | null,
  to: KernelPath | null,
  changes: readonly string[],
): string | null {
  if (from === null || to === null || from === to) return null;
  const shape = changes.filter((c) => !c.startsWith('kernel path '));
  const why =
    shape.length > 0
      ? `its shapes changed: ${shape.join('; ')}`
      : 'its shapes did not change (options, quantization or the firmware decide the path)';
  let what: string;
  if (from === 'opt' && to === 'opt-fallback') {
    what = "this layer no longer takes the opt kernel set's fast path and runs the reference loop";
  } else if (from === 'opt-fallback' && to === 'opt') {
    what = "this layer now takes the opt kernel set's fast path instead of the reference loop";
  } else {
    what = `was ${MEANING[from]}, now ${MEANING[to]}`;
  }
  return `${from} -> ${to}: ${what}; ${why}`;
}
