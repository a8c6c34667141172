// The faster CPU kernels the LeNet example trains with give what the stock TF.js kernels
// give: bit for bit where the summation order is the same (every case but overlapping
// pooling windows), within float32 rounding otherwise. The stock results are taken first,
// in this process, then the replacements are installed and the same kernels run again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NamedAttrMap, Scalar, Tensor } from '@tensorflow/tfjs';
import { loadTf } from '../../src/host/tfjs.ts';
import { useFastCpuGradients } from '../../examples/lenet-mnist/cpu-kernels.ts';
import { seededRandom } from '../../examples/lenet-mnist/data.ts';
import { buildLenet } from '../../examples/lenet-mnist/lenet.ts';

const tf = await loadTf();
const rand = seededRandom(42);

/** Values in [-1, 1), a third of them zero (as after a ReLU), some exactly repeated (ties). */
function values(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    out[i] = r < 0.33 ? 0 : r < 0.4 ? 0.5 : rand() * 2 - 1;
  }
  return out;
}

const t = (shape: number[]): Tensor => tf.tensor(values(shape.reduce((a, b) => a * b, 1)), shape);

interface Case {
  name: string;
  kernel: string;
  inputs: Record<string, Tensor>;
  attrs: NamedAttrMap;
  /** Overlapping windows sum in another order: allow float32 rounding. */
  exact: boolean;
}

function convCase(
  pad: 'valid' | 'same',
  stride: number,
  x: number[],
  filter: [number, number, number, number],
): Case {
  const info = tf.backend_util.computeConv2DInfo(
    x as [number, number, number, number],
    filter,
    [stride, stride],
    1,
    pad,
  );
  return {
    name: `Conv2DBackpropFilter ${pad} stride ${stride} x [${x}] filter [${filter}]`,
    kernel: 'Conv2DBackpropFilter',
    inputs: { x: t(x), dy: t(info.outShape) },
    attrs: { strides: [stride, stride], pad, dataFormat: 'NHWC', filterShape: filter },
    exact: true,
  };
}

function poolCase(pad: 'valid' | 'same', size: number, stride: number, x: number[]): Case {
  const input = t(x);
  const output = tf.maxPool(input as Parameters<typeof tf.maxPool>[0], size, stride, pad);
  return {
    name: `MaxPoolGrad ${pad} ${size}x${size} stride ${stride} x [${x}]`,
    kernel: 'MaxPoolGrad',
    inputs: { dy: t(output.shape), input, output },
    attrs: { filterSize: [size, size], strides: [stride, stride], pad },
    exact: stride >= size,
  };
}

function sumCase(x: number[], axis: number[], keepDims = false): Case {
  return {
    name: `Sum x [${x}] over [${axis}]${keepDims ? ' keepDims' : ''}`,
    kernel: 'Sum',
    inputs: { x: t(x) },
    attrs: { axis, keepDims },
    exact: true,
  };
}

const CASES: Case[] = [
  // LeNet's own shapes (batch 4 instead of 32).
  convCase('valid', 1, [4, 28, 28, 1], [5, 5, 1, 6]),
  convCase('valid', 1, [4, 12, 12, 6], [5, 5, 6, 16]),
  convCase('same', 1, [2, 9, 9, 3], [5, 5, 3, 4]),
  convCase('same', 2, [2, 9, 8, 3], [3, 3, 3, 5]),
  convCase('valid', 2, [3, 10, 7, 2], [3, 2, 2, 3]),
  poolCase('valid', 2, 2, [4, 24, 24, 6]),
  poolCase('valid', 2, 2, [4, 8, 8, 16]),
  poolCase('same', 2, 2, [2, 7, 9, 3]),
  poolCase('same', 3, 2, [2, 7, 7, 2]),
  poolCase('valid', 3, 1, [1, 6, 6, 2]),
  sumCase([32, 24, 24, 6], [0, 1, 2]),
  sumCase([32, 120], [0]),
  sumCase([5, 4, 3], [1, 0]),
  // Not the bias-gradient shape: these go to the stock kernel.
  sumCase([5, 4, 3], [1, 2]),
  sumCase([5, 4, 3], [0, 1], true),
  sumCase([6], [0]),
];

// A whole backward pass: the gradients' own attrs reach the kernels (not only the
// attrs these tests write), with LeNet's shapes and a real loss.
const lenet = buildLenet(tf, 3);
const xb = tf.tensor(values(8 * 28 * 28).map(Math.abs), [8, 28, 28, 1]);
const yb = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);

function lenetGrads(): [string, Float32Array][] {
  const { value, grads } = tf.variableGrads(
    () => tf.metrics.categoricalCrossentropy(yb, lenet.apply(xb) as Tensor).mean() as Scalar,
  );
  value.dispose();
  const out = Object.keys(grads)
    .sort()
    .map((k): [string, Float32Array] => [k, grads[k].dataSync() as Float32Array]);
  tf.dispose(grads);
  return out;
}

const run = (c: Case): Float32Array =>
  (tf.engine().runKernel(c.kernel, c.inputs, c.attrs) as Tensor).dataSync() as Float32Array;

// Stock results first: the replacements are global once installed.
const stock = CASES.map(run);
const stockGrads = lenetGrads();
const installed = useFastCpuGradients(tf);
const fastGrads = lenetGrads();

test('the replacements are installed on the CPU backend, once', () => {
  assert.equal(tf.getBackend(), 'cpu');
  assert.deepEqual(installed, ['Conv2DBackpropFilter', 'MaxPoolGrad', 'Sum']);
  assert.deepEqual(useFastCpuGradients(tf), installed);
});

CASES.forEach((c, k) => {
  test(`${c.name} equals the stock kernel${c.exact ? ' bit for bit' : ''}`, () => {
    const fast = run(c);
    const want = stock[k];
    assert.equal(fast.length, want.length);
    let nonzero = 0;
    for (let i = 0; i < want.length; i++) {
      if (want[i] !== 0) nonzero++;
      if (c.exact) {
        assert.ok(
          Object.is(fast[i], want[i]) || fast[i] === want[i],
          `element ${i}: ${fast[i]} != ${want[i]}`,
        );
      } else {
        assert.ok(
          Math.abs(fast[i] - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])),
          `element ${i}: ${fast[i]} vs ${want[i]}`,
        );
      }
    }
    // A case whose result is (nearly) all zeros would prove little. Max-pool gradients
    // are sparse by nature: one input in a window gets it.
    assert.ok(nonzero > want.length / 10, `only ${nonzero} of ${want.length} values are non-zero`);
  });
});

test('LeNet gradients with the replacements are the stock gradients, bit for bit', () => {
  assert.equal(fastGrads.length, stockGrads.length);
  assert.equal(stockGrads.length, 10); // 5 layers with weights, each kernel + bias
  stockGrads.forEach(([name, want], k) => {
    const [fname, got] = fastGrads[k];
    assert.equal(fname, name);
    assert.equal(got.length, want.length);
    assert.ok(
      want.some((v) => v !== 0),
      `${name}: the stock gradient is all zeros`,
    );
    for (let i = 0; i < want.length; i++) {
      assert.ok(got[i] === want[i], `${name} element ${i}: ${got[i]} != ${want[i]}`);
    }
  });
});
