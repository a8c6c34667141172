// Deterministic TF.js models and data for the quantizer tests: every weight is set from a
// seeded generator (He-scaled kernels, non-trivial BatchNorm statistics), so activations
// have realistic ranges and the tests see the same numbers on every run.
import type * as TfModule from '@tensorflow/tfjs';
import type { Tf } from '../../src/host/tfjs.ts';
import { TfliteRuntime } from '../../src/host/tflite-runtime.ts';

/** mulberry32: small, seedable, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** Sets every weight of the model from the seed, by the weight's role. */
export function randomizeWeights(tf: Tf, model: TfModule.LayersModel, seed: number): void {
  const r = rng(seed);
  for (const layer of model.layers) {
    const vars = layer.weights;
    if (vars.length === 0) continue;
    const values = vars.map((v) => {
      const short = v.originalName.slice(v.originalName.lastIndexOf('/') + 1);
      // Weights always have fixed shapes; only activations have a null batch dimension.
      const shape = v.shape.map((d) => d ?? 1);
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      // fan-in: every kernel dimension but the last (depthwise: kh*kw).
      const fanIn =
        short === 'depthwise_kernel'
          ? shape[0] * shape[1]
          : shape.slice(0, -1).reduce((a, b) => a * b, 1);
      for (let i = 0; i < n; i++) {
        if (short === 'kernel' || short === 'depthwise_kernel' || short === 'pointwise_kernel') {
          data[i] = normal(r) * Math.sqrt(2 / fanIn);
        } else if (short === 'bias' || short === 'beta' || short === 'moving_mean') {
          data[i] = normal(r) * 0.1;
        } else if (short === 'gamma' || short === 'moving_variance') {
          data[i] = 0.5 + r();
        } else {
          data[i] = normal(r) * 0.1;
        }
      }
      return tf.tensor(data, shape);
    });
    layer.setWeights(values);
    values.forEach((t) => t.dispose());
  }
}

/** Smooth random images: sums of a few sinusoids plus noise, in about [-1, 1]. */
export function samples(shape: readonly number[], count: number, seed: number): Float32Array[] {
  const r = rng(seed);
  const [h, w, c] = shape.length === 3 ? shape : [1, shape[0], 1];
  return Array.from({ length: count }, () => {
    const fx = 0.2 + r();
    const fy = 0.2 + r();
    const phase = r() * 6.28;
    const out = new Float32Array(h * w * c);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < c; k++) {
          out[(y * w + x) * c + k] =
            0.6 * Math.sin(fx * x + fy * y + phase + k) + 0.3 * (r() * 2 - 1);
        }
      }
    }
    return out;
  });
}

/** TF.js float predictions, one Float32Array per sample (first output). */
export function predict(
  tf: Tf,
  model: TfModule.LayersModel,
  inputs: Float32Array[],
): Float32Array[] {
  const shape = model.inputs[0].shape.slice(1) as number[];
  return inputs.map((x) =>
    tf.tidy(() => {
      const y = model.predict(tf.tensor(x, [1, ...shape]));
      return Float32Array.from((Array.isArray(y) ? y[0] : y).dataSync());
    }),
  );
}

/**
 * Runs a .tflite in the real TFLite runtime; int8 inputs/outputs are quantized and
 * dequantized with the given parameters, float I/O passes through.
 */
export async function runTflite(
  bytes: Uint8Array,
  inputs: Float32Array[],
  io?: {
    input: { scale: number; zeroPoint: number };
    output: { scale: number; zeroPoint: number };
  },
): Promise<Float32Array[]> {
  const rt = await TfliteRuntime.load(bytes);
  try {
    return inputs.map((x) => {
      if (io === undefined) {
        rt.setInput(0, x);
      } else {
        const q = new Int8Array(x.length);
        for (let i = 0; i < x.length; i++) {
          const v = Math.round(x[i] / io.input.scale) + io.input.zeroPoint;
          q[i] = Math.max(-128, Math.min(127, v));
        }
        rt.setInput(0, q);
      }
      rt.invoke();
      const out = rt.output(0).data;
      if (io === undefined) return Float32Array.from(out as Float32Array);
      return Float32Array.from(
        out as Int8Array,
        (v) => (v - io.output.zeroPoint) * io.output.scale,
      );
    });
  } finally {
    rt.dispose();
  }
}

export function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

export function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((x, i) => x.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
}

export function agreement(a: Float32Array[], b: Float32Array[]): number {
  return a.filter((x, i) => argmax(x) === argmax(b[i])).length / a.length;
}
