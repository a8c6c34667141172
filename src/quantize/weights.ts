// The quantization arithmetic of TFLite's post-training full-integer scheme:
// activations asymmetric int8 over the calibrated range, weights symmetric int8 (zero point
// 0) per output channel for convolutions, biases int32 at input_scale * weight_scale.
// Scales are rounded to float32 first, because the file stores float32 and the runtime
// derives its multipliers from the stored values: the integers must agree with those.

export interface Range {
  min: number;
  max: number;
}

export interface QParams {
  scale: number;
  zeroPoint: number;
}

const INT32_MAX = 2147483647;

/** std::round, which TFLite uses: half away from zero (Math.round goes half up); never -0. */
export function roundHalfAway(x: number): number {
  const r = Math.sign(x) * Math.round(Math.abs(x));
  return r === 0 ? 0 : r;
}

/**
 * Asymmetric int8: the range is widened to include 0 (so that 0, the padding value, is
 * exact), scale = (max - min) / 255, zero point = round(-128 - min / scale) clamped to
 * [-128, 127]. A range of a single point (a dead activation) gets scale 1/255 around 0.
 */
export function activationParams(r: Range): QParams {
  const min = Math.min(r.min, 0);
  const max = Math.max(r.max, 0);
  const span = max - min;
  const scale = Math.fround(span > 0 ? span / 255 : 1 / 255);
  const zp = roundHalfAway(-128 - min / scale);
  return { scale, zeroPoint: Math.max(-128, Math.min(127, zp)) };
}

/** float -> int8 with the given parameters (round half away from zero, saturate). */
export function quantizeValue(x: number, q: QParams): number {
  const v = roundHalfAway(x / q.scale) + q.zeroPoint;
  return Math.max(-128, Math.min(127, v));
}

export interface QuantizedWeights {
  data: Int8Array;
  /** One per channel (per-channel) or one (per-tensor). */
  scales: number[];
}

/**
 * Symmetric int8 weights: scale = max|w| / 127 over each output channel (axis 0 or the
 * last axis), or over the whole tensor when `perChannel` is false. The scale is raised
 * where the bias would not fit int32 at input_scale * scale (as the converter does). An
 * all-zero channel gets scale 1: its integers are 0 whatever the scale.
 */
export function quantizeWeights(
  w: Float32Array,
  channels: number,
  channelAxisLast: boolean,
  perChannel: boolean,
  bias: Float32Array,
  inputScale: number,
): QuantizedWeights {
  const per = w.length / channels;
  const channelOf = (i: number): number => (channelAxisLast ? i % channels : Math.floor(i / per));
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = channelOf(i);
    maxAbs[c] = Math.max(maxAbs[c], Math.abs(w[i]));
  }
  const groups = perChannel ? Array.from(maxAbs) : [Math.max(...maxAbs)];
  const biasMax = perChannel
    ? Array.from(bias, (b) => Math.abs(b))
    : [Math.max(0, ...Array.from(bias, (b) => Math.abs(b)))];
  const scales = groups.map((m, g) => {
    let s = m > 0 ? m / 127 : 1;
    const floor = biasMax[g] / (inputScale * INT32_MAX);
    if (s < floor) s = floor * (1 + 1e-6);
    return Math.fround(s);
  });
  const data = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const s = scales[perChannel ? channelOf(i) : 0];
    data[i] = Math.max(-127, Math.min(127, roundHalfAway(w[i] / s)));
  }
  return { data, scales };
}

/** int32 bias at scale fround(input_scale) * weight_scale[c], zero point 0. */
export function quantizeBias(
  bias: Float32Array,
  inputScale: number,
  weightScales: readonly number[],
): { data: Int32Array; scales: number[] } {
  const scales = Array.from(
    bias,
    (_, c) => Math.fround(inputScale) * weightScales[weightScales.length === 1 ? 0 : c],
  );
  const data = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    const v = roundHalfAway(bias[c] / scales[c]);
    data[c] = Math.max(-INT32_MAX, Math.min(INT32_MAX, v));
  }
  return { data, scales: weightScales.length === 1 ? [scales[0] ?? 0] : scales };
}
