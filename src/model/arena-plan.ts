// Activation arena plan: where each non-constant tensor of subgraph 0 lives in one
// flat arena, and how big that arena must be.
//
// The algorithm is the idea of TensorFlow Lite Micro's GreedyMemoryPlanner, written
// down exactly so that the C engine can implement the same steps and agree byte for
// byte (it is a contract, not an estimate that may drift):
//
// 1. Lifetime. Operators run in the order of the subgraph. A tensor is live from the
//    first operator that reads or writes it to the last operator that reads or writes
//    it, both inclusive. Graph inputs are live from operator 0, graph outputs until the
//    last operator, variable tensors (state kept between invocations) throughout.
// 2. Order. Tensors are placed largest first; equal sizes by earlier first use, then by
//    lower tensor index. Big tensors placed first leave the small ones to fill gaps.
// 3. Placement. A tensor goes at the lowest offset, a multiple of the alignment (16
//    bytes), at which its bytes do not overlap the bytes of any already-placed tensor
//    whose lifetime intersects its own. Tensors of size 0 occupy nothing and get 0.
// 4. Size. The arena is the largest offset + size over all tensors (not rounded up).
//
// No aliasing: a RESHAPE output gets its own bytes, although TFLite Micro may let it
// share its input's. This keeps the rule simple and over-estimates by at most one
// copy of each reshaped tensor.
import { AnalysisError, isConstant, tensorAt, tensorBytes } from './shapes.ts';
import type { Model } from './types.ts';

/** Offsets are multiples of this, as in TFLite Micro (kBufferAlignment = 16). */
export const ARENA_ALIGNMENT = 16;

export interface ArenaRequest {
  /** Tensor index in subgraph 0 (any unique id when planning raw lifetimes). */
  tensor: number;
  /** Bytes. */
  size: number;
  /** First operator index at which the tensor is live (inclusive). */
  first: number;
  /** Last operator index at which the tensor is live (inclusive). */
  last: number;
}

export interface ArenaAllocation extends ArenaRequest {
  offset: number;
}

export interface ArenaPlan {
  algorithm: 'greedy-by-size';
  alignment: number;
  /** max(offset + size), 0 for a graph without activations. */
  bytes: number;
  /** One per request, in ascending tensor order. */
  allocations: ArenaAllocation[];
}

/** Lifetimes of every non-constant tensor that subgraph 0 uses (rule 1 above). */
export function tensorLifetimes(model: Model): ArenaRequest[] {
  const sg = model.subgraphs[0];
  if (sg === undefined) throw new AnalysisError('no-subgraph', 'the model has no subgraph');
  const end = Math.max(0, sg.operators.length - 1);
  const life = new Map<number, { first: number; last: number }>();
  const touch = (index: number, first: number, last: number, what: string): void => {
    if (index === -1) return; // an omitted optional input
    tensorAt(sg, index, what);
    if (isConstant(model, sg, index)) return;
    const l = life.get(index);
    if (l === undefined) life.set(index, { first, last });
    else life.set(index, { first: Math.min(l.first, first), last: Math.max(l.last, last) });
  };
  sg.operators.forEach((op, i) => {
    for (const t of op.inputs) touch(t, i, i, `operator ${i} input`);
    for (const t of op.outputs) touch(t, i, i, `operator ${i} output`);
  });
  for (const t of sg.inputs) touch(t, 0, 0, 'graph input');
  for (const t of sg.outputs) touch(t, end, end, 'graph output');
  const out: ArenaRequest[] = [];
  for (const [tensor, l] of life) {
    const variable = sg.tensors[tensor].isVariable;
    out.push({
      tensor,
      size: tensorBytes(model, sg, tensor),
      first: variable ? 0 : l.first,
      last: variable ? end : l.last,
    });
  }
  return out.sort((a, b) => a.tensor - b.tensor);
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/** Rules 2-4 above over raw lifetimes; `tensor` ids must be unique. */
export function planArena(
  requests: readonly ArenaRequest[],
  alignment: number = ARENA_ALIGNMENT,
): ArenaPlan {
  if (!Number.isInteger(alignment) || alignment < 1) {
    throw new AnalysisError(
      'bad-lifetime',
      `arena alignment ${alignment} is not a positive integer`,
    );
  }
  const seen = new Set<number>();
  for (const r of requests) {
    if (seen.has(r.tensor)) {
      throw new AnalysisError('bad-lifetime', `tensor ${r.tensor} is requested twice`);
    }
    seen.add(r.tensor);
    if (!Number.isInteger(r.size) || r.size < 0 || !(r.first <= r.last) || r.first < 0) {
      throw new AnalysisError(
        'bad-lifetime',
        `tensor ${r.tensor}: size ${r.size}, lifetime [${r.first}, ${r.last}] is not valid`,
      );
    }
  }
  const order = [...requests].sort(
    (a, b) => b.size - a.size || a.first - b.first || a.tensor - b.tensor,
  );
  const placed: ArenaAllocation[] = [];
  for (const r of order) {
    // Only tensors live at the same time and occupying bytes can be in the way;
    // scanning them by offset, each one either leaves a gap big enough before it or
    // pushes the candidate past its end.
    const inTheWay = placed
      .filter((p) => p.size > 0 && p.first <= r.last && r.first <= p.last)
      .sort((a, b) => a.offset - b.offset || a.tensor - b.tensor);
    let offset = 0;
    if (r.size > 0) {
      for (const p of inTheWay) {
        if (p.offset >= offset + r.size) break;
        offset = Math.max(offset, alignUp(p.offset + p.size, alignment));
      }
    }
    placed.push({ ...r, offset });
  }
  const bytes = placed.reduce((m, p) => Math.max(m, p.offset + p.size), 0);
  placed.sort((a, b) => a.tensor - b.tensor);
  return { algorithm: 'greedy-by-size', alignment, bytes, allocations: placed };
}

/** The arena plan of subgraph 0 of a model. */
export function planModelArena(model: Model): ArenaPlan {
  return planArena(tensorLifetimes(model));
}
