// TFLite's quantized arithmetic (tensorflow/lite/kernels/internal/common.h and
// quantization_util.cc), written from the published semantics so that the operator tests
// have an oracle independent of any runtime. The default (double-rounding, gemmlowp)
// variant is what TFLite builds without TFLITE_SINGLE_ROUNDING.

import type { Activation } from '../../../src/model/types.ts';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** std::round: half away from zero (Math.round rounds half up). */
export function roundAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** std::frexp: x = q * 2^e with 0.5 <= |q| < 1. */
function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let e = Math.max(-1073, Math.floor(Math.log2(Math.abs(x))) + 1);
  let q = x * 2 ** -e;
  // log2 can be off by one near powers of two.
  while (Math.abs(q) < 0.5) {
    q *= 2;
    e--;
  }
  while (Math.abs(q) >= 1) {
    q /= 2;
    e++;
  }
  return [q, e];
}

/** QuantizeMultiplier: a real multiplier as a Q31 fixed-point value and a power-of-two shift. */
export function quantizeMultiplier(real: number): { multiplier: number; shift: number } {
  if (real === 0) return { multiplier: 0, shift: 0 };
  const [q, e] = frexp(real);
  let shift = e;
  let fixed = roundAway(q * 2 ** 31);
  if (fixed === 2 ** 31) {
    fixed /= 2;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  if (shift > 30) throw new Error(`multiplier ${real} needs a shift of ${shift} > 30`);
  return { multiplier: fixed, shift };
}

/** gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31) with one saturating case. */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  // BigInt division truncates toward zero, as C++ integer division does.
  return Number((ab + nudge) / (1n << 31n));
}

/** gemmlowp RoundingDivideByPOT: x / 2^exponent, rounding half away from zero. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = 2 ** exponent - 1;
  const remainder = Number(BigInt(x) & BigInt(mask));
  const threshold = Math.floor(mask / 2) + (x < 0 ? 1 : 0);
  return Math.floor(x / 2 ** exponent) + (remainder > threshold ? 1 : 0);
}

/** MultiplyByQuantizedMultiplier (double rounding): x * multiplier * 2^shift in int32. */
export function multiplyByQuantizedMultiplier(
  x: number,
  multiplier: number,
  shift: number,
): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  const shifted = toInt32(x * 2 ** left);
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, multiplier), right);
}

/** Wraps to int32 as C++ does for x << left on the values these tests use (checked). */
function toInt32(x: number): number {
  if (x < INT32_MIN || x > INT32_MAX) throw new Error(`int32 overflow: ${x}`);
  return x;
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

export interface QParams {
  scale: number;
  zeroPoint: number;
}

/** CalculateActivationRangeQuantized for int8. */
export function activationRangeInt8(act: Activation, out: QParams): [number, number] {
  const q = (v: number): number => out.zeroPoint + roundAway(v / Math.fround(out.scale));
  switch (act) {
    case 'NONE':
      return [-128, 127];
    case 'RELU':
      return [Math.max(-128, q(0)), 127];
    case 'RELU6':
      return [Math.max(-128, q(0)), Math.min(127, q(6))];
    case 'RELU_N1_TO_1':
      return [Math.max(-128, q(-1)), Math.min(127, q(1))];
    default:
      throw new Error(`activation ${act} has no quantized range`);
  }
}

/** CalculateActivationRange for float32. */
export function activationRangeFloat(act: Activation): [number, number] {
  switch (act) {
    case 'NONE':
      return [-Infinity, Infinity];
    case 'RELU':
      return [0, Infinity];
    case 'RELU6':
      return [0, 6];
    case 'RELU_N1_TO_1':
      return [-1, 1];
    default:
      throw new Error(`activation ${act} has no float range`);
  }
}

/** AffineQuantize: float32 to int8, as the QUANTIZE kernel rounds (in float32). */
export function quantizeValue(x: number, q: QParams): number {
  const scaled = Math.fround(Math.fround(x) / Math.fround(q.scale));
  return clamp(roundAway(scaled) + q.zeroPoint, -128, 127);
}

/** Dequantize: (q - zero point) * scale, in float32. */
export function dequantizeValue(v: number, q: QParams): number {
  return Math.fround((v - q.zeroPoint) * Math.fround(q.scale));
}
