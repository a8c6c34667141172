// The quantization arithmetic and the weight layouts, against values worked out by hand
// from the TFLite converter's rules (see docs/quantization.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldBatchNorm, hwioToOhwi, transpose2d } from '../../src/quantize/fold.ts';
import {
  activationParams,
  quantizeBias,
  quantizeValue,
  quantizeWeights,
  roundHalfAway,
} from '../../src/quantize/weights.ts';

const f = Math.fround;

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) =>
    assert.ok(Math.abs(actual[i] - e) <= tol, `[${i}] ${actual[i]} vs ${e}`),
  );
}

test('activation parameters: range widened to 0, scale (max-min)/255, zero point nudged', () => {
  assert.deepEqual(activationParams({ min: 0, max: 6 }), { scale: f(6 / 255), zeroPoint: -128 });
  // -128 - (-1)/(2/255) = -0.5: rounded half away from zero, as std::round.
  assert.deepEqual(activationParams({ min: -1, max: 1 }), { scale: f(2 / 255), zeroPoint: -1 });
  // A positive-only range still starts at 0 (0 must be exact: it is the padding value).
  assert.deepEqual(activationParams({ min: 2, max: 5 }), { scale: f(5 / 255), zeroPoint: -128 });
  assert.deepEqual(activationParams({ min: -3, max: -1 }), { scale: f(3 / 255), zeroPoint: 127 });
  // A dead activation (always 0) still gets a usable scale.
  assert.deepEqual(activationParams({ min: 0, max: 0 }), { scale: f(1 / 255), zeroPoint: -128 });
  const q = activationParams({ min: -0.7, max: 2.3 });
  assert.equal(quantizeValue(0, q), q.zeroPoint, '0 is exactly representable');
  assert.equal(quantizeValue(100, q), 127);
  assert.equal(quantizeValue(-100, q), -128);
});

test('rounding is half away from zero and never -0', () => {
  assert.equal(roundHalfAway(2.5), 3);
  assert.equal(roundHalfAway(-2.5), -3);
  assert.equal(roundHalfAway(-0.4), 0);
  assert.ok(Object.is(roundHalfAway(-0.4), 0));
});

test('per-channel symmetric weights: scale max|w|/127 per output channel, zero point 0', () => {
  // Two output channels (axis 0) of two weights each.
  const w = new Float32Array([1, -2, 0.5, 0.25]);
  const q = quantizeWeights(w, 2, false, true, new Float32Array(2), 0.1);
  assert.deepEqual(q.scales, [f(2 / 127), f(0.5 / 127)]);
  assert.deepEqual(Array.from(q.data), [64, -127, 127, 64]);
  // Channel on the last axis (depthwise 1HWC): channel of element i is i % 2.
  const dw = quantizeWeights(w, 2, true, true, new Float32Array(2), 0.1);
  assert.deepEqual(dw.scales, [f(1 / 127), f(2 / 127)]);
  assert.deepEqual(Array.from(dw.data), [127, -127, 64, 16]);
  // Per-tensor: one scale for everything.
  const pt = quantizeWeights(w, 2, false, false, new Float32Array(2), 0.1);
  assert.deepEqual(pt.scales, [f(2 / 127)]);
  assert.deepEqual(Array.from(pt.data), [64, -127, 32, 16]);
});

test('an all-zero channel gets scale 1; a bias too large for int32 raises the weight scale', () => {
  const zero = quantizeWeights(
    new Float32Array([0, 0, 1, 1]),
    2,
    false,
    true,
    new Float32Array(2),
    0.5,
  );
  assert.equal(zero.scales[0], 1);
  assert.deepEqual(Array.from(zero.data.slice(0, 2)), [0, 0]);
  // bias 1e3 at input scale 1e-3 and weight scale 1e-9 would be 1e15 in int32.
  const w = new Float32Array([127e-9]);
  const bias = new Float32Array([1e3]);
  const q = quantizeWeights(w, 1, false, true, bias, 1e-3);
  assert.ok(q.scales[0] > 1e-9, 'scale raised');
  const b = quantizeBias(bias, 1e-3, q.scales);
  assert.ok(Math.abs(b.data[0]) <= 2147483647);
  assert.ok(Math.abs(b.data[0] * b.scales[0] - 1e3) < 1e-3 * 1e3);
});

test('int32 bias at input_scale * weight_scale[c], zero point 0', () => {
  const b = quantizeBias(new Float32Array([0.5, -0.25]), 0.1, [0.01, 0.02]);
  assert.deepEqual(b.scales, [f(0.1) * 0.01, f(0.1) * 0.02]);
  assert.deepEqual(Array.from(b.data), [
    roundHalfAway(0.5 / (f(0.1) * 0.01)),
    roundHalfAway(-0.25 / (f(0.1) * 0.02)),
  ]);
  // Per-tensor weights: one bias scale.
  assert.equal(quantizeBias(new Float32Array([1, 2]), 0.5, [0.25]).scales.length, 1);
});

test('layouts: HWIO -> OHWI and [in, out] -> [out, in]', () => {
  // kh=1, kw=2, in=2, out=3: value encodes (x, i, o) as 100x + 10i + o.
  const hwio = new Float32Array(12);
  for (let x = 0; x < 2; x++)
    for (let i = 0; i < 2; i++)
      for (let o = 0; o < 3; o++) hwio[(x * 2 + i) * 3 + o] = 100 * x + 10 * i + o;
  const ohwi = hwioToOhwi(hwio, [1, 2, 2, 3]);
  for (let o = 0; o < 3; o++)
    for (let x = 0; x < 2; x++)
      for (let i = 0; i < 2; i++) {
        assert.equal(ohwi[(o * 2 + x) * 2 + i], 100 * x + 10 * i + o);
      }
  assert.deepEqual(
    Array.from(transpose2d(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3)),
    [1, 4, 2, 5, 3, 6],
  );
});

test('BatchNorm folding: w*k, (b-mean)*k+beta with k = gamma/sqrt(var+eps)', () => {
  const w = new Float32Array([1, 2, 3, 4]); // two output channels, axis 0
  const b = new Float32Array([0.5, -0.5]);
  foldBatchNorm(
    w,
    b,
    {
      gamma: new Float32Array([2, 0.5]),
      beta: new Float32Array([0.1, 0.2]),
      mean: new Float32Array([1, -1]),
      variance: new Float32Array([3, 0.25]),
      epsilon: 1,
    },
    false,
  );
  const k0 = 2 / Math.sqrt(4);
  const k1 = 0.5 / Math.sqrt(1.25);
  close(w, [1 * k0, 2 * k0, 3 * k1, 4 * k1]);
  close(b, [(0.5 - 1) * k0 + 0.1, (-0.5 + 1) * k1 + 0.2]);
  // Without gamma/beta (scale: false, center: false), channel last.
  const w2 = new Float32Array([1, 1, 1, 1]);
  const b2 = new Float32Array([0, 0]);
  foldBatchNorm(
    w2,
    b2,
    {
      gamma: null,
      beta: null,
      mean: new Float32Array([1, 2]),
      variance: new Float32Array([0, 3]),
      epsilon: 1,
    },
    true,
  );
  assert.deepEqual(Array.from(w2), [1, 0.5, 1, 0.5]);
  assert.deepEqual(Array.from(b2), [-1, -1]);
});
