// Layer matching between the base and the head model. Models change between commits
// (layers are inserted, deleted, widened), so "layer 7" of the base is not necessarily
// layer 7 of the head: the two operator lists are aligned like two strings in an edit
// distance, and every later figure (per-layer deltas, per-layer budgets) follows that
// alignment.
//
// The rule (docs/report.md, "Layer matching"):
// - Two layers can only be paired when their operators are equal.
// - Pairing equal operators with equal tensor shapes and dtypes costs 0 ('same'); with any
//   shape or dtype difference it costs 1 ('changed'); leaving a layer unpaired costs 2
//   ('removed' from the base, 'added' in the head). So a reshaped layer stays paired
//   (1 < 2 + 2), and an inserted layer does not shift every following pairing.
// - Among alignments of equal cost the traceback prefers a pairing, then a removal, then
//   an addition, which makes the result deterministic.
// - Consequence for reorders: two layers of different operators that swap places show as
//   one 'removed' and one 'added' layer (the other one keeps its pairing); two layers of
//   the same operator that swap places and differ in shape show as two 'changed' layers.
import type { KernelPath, LayerAnalysis, TensorInfo } from '../schema/result-types.ts';

export type LayerStatus = 'same' | 'changed' | 'added' | 'removed';

/** One row of the alignment, in execution order. */
export interface LayerPair {
  /** Index into the base model's layers; absent for 'added'. */
  base?: number;
  /** Index into the head model's layers; absent for 'removed'. */
  head?: number;
  status: LayerStatus;
  /** Human-readable differences of a 'changed' pair, e.g. 'output channels 16 -> 24'. */
  changes: string[];
}

/** Kernel path per layer index, from the result documents (absent: not compared). */
export interface KernelPaths {
  base: readonly KernelPath[];
  head: readonly KernelPath[];
}

const COST_CHANGED = 1;
const COST_GAP = 2;

/**
 * Aligns `base` and `head` (execution order) and returns the pairs in order. A pair whose
 * kernel path differs (when `paths` is given) is 'changed' too, with the path change listed.
 */
export function matchLayers(
  base: readonly LayerAnalysis[],
  head: readonly LayerAnalysis[],
  paths?: KernelPaths,
): LayerPair[] {
  const n = base.length;
  const m = head.length;
  // cost[i][j]: cheapest alignment of base[i..] with head[j..] (suffixes, so the traceback
  // walks forward and emits pairs in execution order).
  const cost: Float64Array[] = Array.from({ length: n + 1 }, () => new Float64Array(m + 1));
  const pairCost = (i: number, j: number): number =>
    base[i].op !== head[j].op ? Infinity : shapeChanges(base[i], head[j]).length ? 1 : 0;
  for (let i = n; i >= 0; i--) {
    for (let j = m; j >= 0; j--) {
      if (i === n && j === m) continue;
      let best = Infinity;
      if (i < n && j < m) best = pairCost(i, j) * COST_CHANGED + cost[i + 1][j + 1];
      if (i < n) best = Math.min(best, COST_GAP + cost[i + 1][j]);
      if (j < m) best = Math.min(best, COST_GAP + cost[i][j + 1]);
      cost[i][j] = best;
    }
  }

  const pairs: LayerPair[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m) {
      const c = pairCost(i, j);
      if (c !== Infinity && c * COST_CHANGED + cost[i + 1][j + 1] === cost[i][j]) {
        pairs.push(pairOf(base, head, i, j, paths));
        i++;
        j++;
        continue;
      }
    }
    if (i < n && (j === m || COST_GAP + cost[i + 1][j] === cost[i][j])) {
      pairs.push({ base: i, status: 'removed', changes: [] });
      i++;
    } else {
      pairs.push({ head: j, status: 'added', changes: [] });
      j++;
    }
  }
  return pairs;
}

function pairOf(
  base: readonly LayerAnalysis[],
  head: readonly LayerAnalysis[],
  i: number,
  j: number,
  paths: KernelPaths | undefined,
): LayerPair {
  const changes = shapeChanges(base[i], head[j]);
  const bp = paths?.base[i];
  const hp = paths?.head[j];
  if (bp !== undefined && hp !== undefined && bp !== hp) {
    changes.push(`kernel path ${bp} -> ${hp}`);
  }
  return { base: i, head: j, status: changes.length > 0 ? 'changed' : 'same', changes };
}

/** Operators whose operands after the first are weights and bias. */
const FILTERED = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D']);
const WEIGHTED = new Set([...FILTERED, 'FULLY_CONNECTED']);

/** The differences in tensor shapes and dtypes between two layers of the same operator. */
export function shapeChanges(a: LayerAnalysis, b: LayerAnalysis): string[] {
  const out: string[] = [];
  if (FILTERED.has(a.op) && a.inputs[1] !== undefined && b.inputs[1] !== undefined) {
    const ka = a.inputs[1].shape.slice(1, 3);
    const kb = b.inputs[1].shape.slice(1, 3);
    if (!sameShape(ka, kb)) out.push(`kernel ${ka.join('x')} -> ${kb.join('x')}`);
  }
  // Weight and bias shapes follow from the kernel and the channels already listed.
  describeList('input', a.inputs, b.inputs, out, WEIGHTED.has(a.op));
  describeList('output', a.outputs, b.outputs, out, false);
  return out;
}

function describeList(
  role: 'input' | 'output',
  a: readonly TensorInfo[],
  b: readonly TensorInfo[],
  out: string[],
  firstShapeOnly: boolean,
): void {
  if (a.length !== b.length) out.push(`${role}s ${a.length} -> ${b.length}`);
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    // The first operand reads "input", later ones "input 2" (weights, bias, ...).
    const label = k === 0 ? role : `${role} ${k + 1}`;
    const sa = a[k].shape;
    const sb = b[k].shape;
    if (a[k].dtype !== b[k].dtype) out.push(`${label} type ${a[k].dtype} -> ${b[k].dtype}`);
    if (sameShape(sa, sb) || (firstShapeOnly && k > 0)) continue;
    // The usual change of a widened layer: same rank, only the channel (last) dimension.
    const onlyChannels =
      sa.length === sb.length && sa.length >= 2 && sa.slice(0, -1).every((d, x) => d === sb[x]);
    if (onlyChannels && k === 0) {
      out.push(`${role} channels ${sa[sa.length - 1]} -> ${sb[sb.length - 1]}`);
    } else {
      out.push(`${label} shape ${formatShape(sa)} -> ${formatShape(sb)}`);
    }
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, k) => d === b[k]);
}

/** [1, 8, 8, 16] -> '1x8x8x16'; a scalar -> 'scalar'. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('x');
}
