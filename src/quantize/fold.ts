// Weight layouts and BatchNormalization folding. TF.js stores a Conv2D kernel as HWIO,
// a DepthwiseConv2D kernel as HWCM and a Dense kernel as [in, out]; TFLite wants OHWI,
// 1HW(C*M) and [out, in]. Folding a BatchNormalization into the layer before it is what the
// TFLite converter does: y = gamma*(conv(x)+b-mean)/sqrt(var+eps)+beta is a conv with
// per-output-channel scaled weights and a new bias, so BN costs nothing at inference.

/** TF.js Conv2D kernel [kh, kw, in, out] -> TFLite CONV_2D filter [out, kh, kw, in]. */
export function hwioToOhwi(k: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, cin, cout] = shape;
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        const src = ((y * kw + x) * cin + i) * cout;
        for (let o = 0; o < cout; o++) out[((o * kh + y) * kw + x) * cin + i] = k[src + o];
      }
    }
  }
  return out;
}

/** TF.js Dense kernel [in, out] -> TFLite FULLY_CONNECTED weights [out, in]. */
export function transpose2d(k: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = k[r * cols + c];
  }
  return out;
}

export interface BatchNormParams {
  gamma: Float32Array | null;
  beta: Float32Array | null;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

/**
 * Folds BN into weights and bias in place. `channelAxisLast` says where the output channel
 * is in the weight layout: last for depthwise 1HW(C*M), first for OHWI conv and [out, in].
 */
export function foldBatchNorm(
  weights: Float32Array,
  bias: Float32Array,
  bn: BatchNormParams,
  channelAxisLast: boolean,
): void {
  const channels = bias.length;
  const k = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    k[c] = (bn.gamma === null ? 1 : bn.gamma[c]) / Math.sqrt(bn.variance[c] + bn.epsilon);
    bias[c] = (bias[c] - bn.mean[c]) * k[c] + (bn.beta === null ? 0 : bn.beta[c]);
  }
  const per = weights.length / channels;
  for (let i = 0; i < weights.length; i++) {
    const c = channelAxisLast ? i % channels : Math.floor(i / per);
    weights[i] *= k[c];
  }
}
