// Which int8 parameters every activation gets: its calibrated range, its input's
// parameters where the int8 kernel does not rescale, or what the kernel fixes.
import type { LoweredGraph } from './ops.ts';
import { activationParams, type QParams, type Range } from './weights.ts';

/** What the int8 model chose for each value: shown by the CLI, checked by tests. */
export interface ValueQuantization {
  name: string;
  range: Range | null;
  params: QParams;
  /** Why these parameters: calibrated, inherited from the input, or fixed by the op. */
  source: 'calibrated' | 'input' | 'fixed';
}

/**
 * Outputs whose parameters the int8 kernels fix, whatever the range: softmax [0, 1) and
 * logistic (0, 1) in steps of 1/256 from -128, tanh (-1, 1) in steps of 1/128 around 0.
 */
const FIXED_OUTPUT = {
  softmax: { scale: 1 / 256, zeroPoint: -128 },
  logistic: { scale: 1 / 256, zeroPoint: -128 },
  tanh: { scale: 1 / 128, zeroPoint: 0 },
} as const;

/** Parameters of every value, in graph order (ops are topologically sorted). */
export function assignQuantization(g: LoweredGraph, ranges: Range[]): ValueQuantization[] {
  const out: ValueQuantization[] = g.values.map((v, i) => ({
    name: v.name,
    range: ranges[i],
    params: activationParams(ranges[i]),
    source: 'calibrated',
  }));
  for (const op of g.ops) {
    if (op.kind === 'pool' || op.kind === 'mean' || op.kind === 'reshape' || op.kind === 'pad') {
      // Same parameters as the input: the int8 kernels do not rescale (a max or mean never
      // leaves the input's range; PAD fills with the zero point, i.e. an exact 0).
      out[op.output] = {
        ...out[op.output],
        params: { ...out[op.inputs[0]].params },
        source: 'input',
      };
    } else if (op.kind in FIXED_OUTPUT) {
      const params = FIXED_OUTPUT[op.kind as keyof typeof FIXED_OUTPUT];
      out[op.output] = { ...out[op.output], params: { ...params }, source: 'fixed' };
    }
  }
  return out;
}
