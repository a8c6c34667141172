// Acceptance of the foundation issue: the real TFLite runtime loads and runs a model written
// by our ModelBuilder/writer for each operator (int8 and float32; odd shapes, SAME/VALID,
// strides, dilation, depth multiplier), and its outputs match values computed
// independently by the reference loop nests in ./reference/. Float32: 1e-5 relative or
// 1e-6 absolute. Int8: exact, except that XNNPACK requantizes in float and may land one
// unit away; |diff| <= 1 is allowed and the rate of such differences is reported.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { TfliteRuntime, type TensorData } from '../../src/host/tflite-runtime.ts';
import { CASES, type OpCase } from './reference/cases.ts';

interface Tally {
  name: string;
  elements: number;
  offByOne: number;
}
const int8Tallies: Tally[] = [];

for (const c of CASES) {
  test(`${c.op} ${c.dtype}: ${c.name}`, async () => {
    const made = c.make();
    const rt = await TfliteRuntime.load(made.model, { name: `${c.op} ${c.name}` });
    try {
      made.inputs.forEach((data, i) => rt.setInput(i, data));
      rt.invoke();
      const out = rt.output(0);
      assert.deepEqual(out.shape, made.outShape, 'output shape');
      assert.equal(out.data.length, made.expected.length);
      compare(c, out.data, made.expected);
    } finally {
      rt.dispose();
    }
  });
}

function compare(c: OpCase, got: TensorData, want: number[]): void {
  if (got instanceof Float32Array) {
    for (let i = 0; i < want.length; i++) {
      const tol = Math.max(1e-6, 1e-5 * Math.abs(want[i]));
      assert.ok(
        Math.abs(got[i] - want[i]) <= tol,
        `element ${i}: runtime ${got[i]}, reference ${want[i]} (tolerance ${tol})`,
      );
    }
    return;
  }
  assert.ok(got instanceof Int8Array, `int8 output expected, got ${got.constructor.name}`);
  let offByOne = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    assert.ok(d <= 1, `element ${i}: runtime ${got[i]}, reference ${want[i]}`);
    if (d === 1) offByOne++;
  }
  int8Tallies.push({ name: `${c.op} ${c.name}`, elements: want.length, offByOne });
}

// The rounding of the reference (gemmlowp double rounding) against XNNPACK's float
// requantization: measured 4 of 3,049 int8 elements (0.13%) one unit off. A reference
// that rounds wrongly (e.g. truncating in SaturatingRoundingDoublingHighMul) stays within
// 1 unit too but moves ~1.3% of elements, so the rate is bounded as well.
test('int8: 1-LSB differences stay rare (at most 0.5% of elements)', () => {
  const total = int8Tallies.reduce((a, t) => a + t.elements, 0);
  const off = int8Tallies.reduce((a, t) => a + t.offByOne, 0);
  assert.ok(total > 0, 'no int8 case ran');
  assert.ok(off / total <= 0.005, `${off}/${total} int8 elements 1 LSB off`);
});

after(() => {
  let total = 0;
  let off = 0;
  for (const t of int8Tallies) {
    total += t.elements;
    off += t.offByOne;
    const rate = ((100 * t.offByOne) / t.elements).toFixed(2);
    console.log(`int8 ${t.name}: ${t.offByOne}/${t.elements} elements 1 LSB off (${rate}%)`);
  }
  if (total > 0) {
    console.log(
      `int8 overall: ${off}/${total} elements 1 LSB off (${((100 * off) / total).toFixed(2)}%)`,
    );
  }
});
