// Step 3: run the float model over the calibration samples and record the min/max of
// every value the quantized graph carries. TF.js gives intermediate tensors through a
// second model over the same layers with those tensors as outputs (no weights copied).
import type * as TfModule from '@tensorflow/tfjs';
import type { Tf } from '../host/tfjs.ts';
import { QuantizeError } from './errors.ts';
import type { LoweredGraph } from './lower.ts';
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

  // What to fetch: each value's own tensor, or for Dense logits the Dense layer's input.
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
    if (v.tensor !== null) return { kind: 'tensor' as const, at: want(v.tensor) };
    if (v.logits !== undefined) return { kind: 'logits' as const, at: want(v.logits.input) };
    return null;
  });
  if (fetch.length === 0) return ranges;
  const probe = tf.model({ inputs: model.inputs, outputs: fetch });
  // Dense weights as TF.js tensors once, for the logits values.
  const dense = graph.values.map((v) =>
    v.logits === undefined
      ? null
      : {
          w: tf.tensor2d(v.logits.op.weights, v.logits.op.weightsShape),
          b: tf.tensor1d(v.logits.op.bias),
        },
  );
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
          let t = outs[p.at];
          const d = dense[v];
          if (p.kind === 'logits' && d !== null) t = tf.add(tf.matMul(t, d.w, false, true), d.b);
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
    for (const d of dense) {
      d?.w.dispose();
      d?.b.dispose();
    }
  }
  return ranges;
}

function widen(r: Range, data: Float32Array): void {
  for (const v of data) {
    if (v < r.min) r.min = v;
    if (v > r.max) r.max = v;
  }
}
