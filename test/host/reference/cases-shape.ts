// Operator test rows for MEAN, PAD, CONCATENATION and RESHAPE.

import {
  concatenationOptions,
  padOptions,
  reducerOptions,
  reshapeOptions,
} from '../../../src/model/builder.ts';
import {
  act,
  calibrate,
  seedOf,
  singleOpModel,
  type CaseDType,
  type OpCase,
  type TensorDef,
} from './case-kit.ts';
import { count, Rng } from './fixtures.ts';
import { dequantizeValue, type QParams } from './quant.ts';
import { concatenate, meanFloat, meanInt8, pad } from './shape.ts';

export function meanCase(
  dtype: CaseDType,
  shape: number[],
  axes: number[],
  keepDims: boolean,
): OpCase {
  return {
    op: 'MEAN',
    dtype,
    name: `[${shape}] axes [${axes}]${keepDims ? ' keep dims' : ''}`,
    make() {
      const rng = new Rng(seedOf(`MEAN ${dtype} ${shape} ${axes} ${keepDims}`));
      const axesDef: TensorDef = {
        name: 'axes',
        shape: [axes.length],
        type: 'int32',
        data: Int32Array.from(axes),
      };
      const options = reducerOptions({ keepDims });
      if (dtype === 'float32') {
        const x = rng.floats(count(shape), -2, 3);
        const ref = meanFloat(x, shape, axes, keepDims);
        const model = singleOpModel(
          'MEAN',
          [act('float32', 'input', shape), axesDef],
          act('float32', 'output', ref.shape),
          options,
        );
        return { model, inputs: [x], outShape: ref.shape, expected: ref.data };
      }
      const inQ: QParams = { scale: 0.05, zeroPoint: 7 };
      const x = rng.int8s(count(shape));
      const floats = meanFloat(
        Array.from(x, (v) => dequantizeValue(v, inQ)),
        shape,
        axes,
        keepDims,
      );
      const outQ = calibrate(floats.data);
      const ref = meanInt8(x, shape, axes, keepDims, inQ, outQ);
      const model = singleOpModel(
        'MEAN',
        [act('int8', 'input', shape, inQ), axesDef],
        act('int8', 'output', ref.shape, outQ),
        options,
      );
      return { model, inputs: [x], outShape: ref.shape, expected: ref.data };
    },
  };
}

export function padCase(dtype: CaseDType, shape: number[], paddings: [number, number][]): OpCase {
  return {
    op: 'PAD',
    dtype,
    name: `[${shape}] paddings ${JSON.stringify(paddings)}`,
    make() {
      const rng = new Rng(seedOf(`PAD ${dtype} ${shape} ${paddings}`));
      const padDef: TensorDef = {
        name: 'paddings',
        shape: [shape.length, 2],
        type: 'int32',
        data: Int32Array.from(paddings.flat()),
      };
      const q: QParams | undefined = dtype === 'int8' ? { scale: 0.1, zeroPoint: 4 } : undefined;
      const x = dtype === 'int8' ? rng.int8s(count(shape)) : rng.floats(count(shape));
      const ref = pad(x, shape, paddings, q === undefined ? 0 : q.zeroPoint);
      const model = singleOpModel(
        'PAD',
        [act(dtype, 'input', shape, q), padDef],
        act(dtype, 'output', ref.shape, q),
        padOptions(),
      );
      return { model, inputs: [x], outShape: ref.shape, expected: ref.data };
    },
  };
}

export function concatCase(dtype: CaseDType, shapes: number[][], axis: number): OpCase {
  return {
    op: 'CONCATENATION',
    dtype,
    name: `${shapes.map((s) => `[${s}]`).join(' + ')} axis ${axis}`,
    make() {
      const rng = new Rng(seedOf(`CONCAT ${dtype} ${shapes} ${axis}`));
      // TFLite's int8 concatenation requires one quantization for inputs and output.
      const q: QParams | undefined = dtype === 'int8' ? { scale: 0.07, zeroPoint: -2 } : undefined;
      const xs = shapes.map((s) => (dtype === 'int8' ? rng.int8s(count(s)) : rng.floats(count(s))));
      const ref = concatenate(
        xs.map((data, i) => ({ data, shape: shapes[i] })),
        axis,
      );
      const model = singleOpModel(
        'CONCATENATION',
        shapes.map((s, i) => act(dtype, `input${i}`, s, q)),
        act(dtype, 'output', ref.shape, q),
        concatenationOptions({ axis }),
      );
      return { model, inputs: xs, outShape: ref.shape, expected: ref.data };
    },
  };
}

export function reshapeCase(dtype: CaseDType, from: number[], to: number[]): OpCase {
  return {
    op: 'RESHAPE',
    dtype,
    name: `[${from}] -> [${to}]`,
    make() {
      const rng = new Rng(seedOf(`RESHAPE ${dtype} ${from} ${to}`));
      const q: QParams | undefined = dtype === 'int8' ? { scale: 0.2, zeroPoint: 1 } : undefined;
      const x = dtype === 'int8' ? rng.int8s(count(from)) : rng.floats(count(from));
      const shapeDef: TensorDef = {
        name: 'shape',
        shape: [to.length],
        type: 'int32',
        data: Int32Array.from(to),
      };
      const model = singleOpModel(
        'RESHAPE',
        [act(dtype, 'input', from, q), shapeDef],
        act(dtype, 'output', to, q),
        reshapeOptions({ newShape: to }),
      );
      return { model, inputs: [x], outShape: to, expected: Array.from(x) };
    },
  };
}
