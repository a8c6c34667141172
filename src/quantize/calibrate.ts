// Step 3: run the float model over the calibration samples and record the min/max of
// every value the quantized graph carries. TF.js gives intermediate tensors through a
// second model over the same layers with those tensors as outputs (no weights copied).
import type * as TfModule from '@tensorflow/tfjs';
import type { Tf } from '../host/tfjs.ts';
import { QuantizeError } from './errors.ts';
import type { ConvOp, DenseOp, LoweredGraph } from './ops.ts';
import type { Range } from './weights.ts';

/** Samples per predict call: bounds memory for large activations. */
const BATCH = 16;

/** One Range per value of the graph (index = value index). */
export function collectRanges(
  tf: Tf,
  model: TfModule.LayersModel,
  graph: LoweredGraph,
  samples: readonly Float32Array[],
): Range[] {
  const sampleShape = graph.values[graph.input].shape.slice(1);
  const size = sampleShape.reduce((a, b) => a * b, 1);
  if (samples.length === 0) {
    throw new QuantizeError('bad-calibration', 'no calibration samples: at least one is needed');
  }
  samples.forEach((s, i) => {
    if (s.length !== size) {
      throw new QuantizeError(
        'bad-calibration',
        `calibration sample ${i} has ${s.length} values; the model input [${sampleShape.join(',')}] takes ${size}`,
      );
    }
    const bad = s.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new QuantizeError(
        'bad-calibration',
        `calibration sample ${i}: value ${bad} is ${s[bad]}`,
      );
    }
  });

  const ranges: Range[] = graph.values.map(() => ({ min: Infinity, max: -Infinity }));
  for (const s of samples) widen(ranges[graph.input], s);

  // What to fetch: each value's own tensor, or for a pre-activation the layer's input.
  const fetch: TfModule.SymbolicTensor[] = [];
  const slot = new Map<number, number>();
  const want = (t: TfModule.SymbolicTensor): number => {
    let i = slot.get(t.id);
    if (i === undefined) {
      i = fetch.push(t) - 1;
      slot.set(t.id, i);
    }
    return i;
  };
  const plan = graph.values.map((v) => {
    if (v.tensor !== null) return { at: want(v.tensor), op: null };
    if (v.preActivation !== undefined) {
      return { at: want(v.preActivation.input), op: v.preActivation.op };
    }
    return null;
  });
  if (fetch.length === 0) return ranges;
  const probe = tf.model({ inputs: model.inputs, outputs: fetch });
  // Weights of the pre-activation ops as TF.js tensors, made once.
  const weights = plan.map((p) => (p?.op ? opWeights(tf, p.op) : null));
  try {
    for (let start = 0; start < samples.length; start += BATCH) {
      const chunk = samples.slice(start, start + BATCH);
      const flat = new Float32Array(chunk.length * size);
      chunk.forEach((s, i) => flat.set(s, i * size));
      const extremes = tf.tidy(() => {
        const x = tf.tensor(flat, [chunk.length, ...sampleShape]);
        const got = probe.predict(x);
        const outs = Array.isArray(got) ? got : [got];
        const picks: TfModule.Tensor[] = [];
        plan.forEach((p, v) => {
          if (p === null) return;
          const w = weights[v];
          const t = p.op && w ? applyOp(tf, p.op, w, outs[p.at]) : outs[p.at];
          picks.push(tf.min(t), tf.max(t));
        });
        return tf.stack(picks).dataSync();
      });
      let k = 0;
      plan.forEach((p, v) => {
        if (p === null) return;
        const r = ranges[v];
        r.min = Math.min(r.min, extremes[k++]);
        r.max = Math.max(r.max, extremes[k++]);
      });
    }
  } finally {
    for (const w of weights) {
      w?.w.dispose();
      w?.b.dispose();
    }
  }
  return ranges;
}

interface OpWeights {
  w: TfModule.Tensor;
  b: TfModule.Tensor1D;
}

/** The op's TFLite-layout weights back in TF.js layout: HWIO, HWCM, [out, in]. */
function opWeights(tf: Tf, op: ConvOp | DenseOp): OpWeights {
  const b = tf.tensor1d(op.bias);
  if (op.kind === 'dense') return { w: tf.tensor2d(op.weights, op.weightsShape), b };
  const [o, h, w, i] = op.filterShape;
  if (op.kind === 'depthwise') {
    // 1HW(C*M) and HWCM are the same memory.
    return { w: tf.tensor4d(op.filter, [h, w, i / op.multiplier, op.multiplier]), b };
  }
  return { w: tf.tidy(() => tf.transpose(tf.tensor4d(op.filter, [o, h, w, i]), [1, 2, 3, 0])), b };
}

/** The op in float, without its activation: what the layer computes before it. */
function applyOp(tf: Tf, op: ConvOp | DenseOp, w: OpWeights, x: TfModule.Tensor): TfModule.Tensor {
  if (op.kind === 'dense')
    return tf.add(tf.matMul(x as TfModule.Tensor2D, w.w as TfModule.Tensor2D, false, true), w.b);
  const pad = op.padding === 'SAME' ? 'same' : 'valid';
  const y =
    op.kind === 'conv'
      ? tf.conv2d(
          x as TfModule.Tensor4D,
          w.w as TfModule.Tensor4D,
          op.stride,
          pad,
          'NHWC',
          op.dilation,
        )
      : tf.depthwiseConv2d(
          x as TfModule.Tensor4D,
          w.w as TfModule.Tensor4D,
          op.stride,
          pad,
          'NHWC',
          op.dilation,
        );
  return tf.add(y, w.b);
}

function widen(r: Range, data: Float32Array): void {
  for (const v of data) {
    if (v < r.min) r.min = v;
    if (v > r.max) r.max = v;
  }
}
