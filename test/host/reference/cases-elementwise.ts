// Operator test rows for ADD, MUL, RELU, RELU6, LOGISTIC, TANH, SOFTMAX, QUANTIZE and
// DEQUANTIZE.

import {
  addOptions,
  dequantizeOptions,
  mulOptions,
  quantizeOptions,
  softmaxOptions,
} from '../../../src/model/builder.ts';
import type { Activation } from '../../../src/model/types.ts';
import { act, calibrate, seedOf, singleOpModel, type CaseDType, type OpCase } from './case-kit.ts';
import {
  addFloat,
  addInt8,
  broadcastShape,
  dequantize,
  mulFloat,
  mulInt8,
  quantize,
  softmaxFloat,
  softmaxInt8,
  unaryFloat,
  unaryInt8,
  type UnaryOp,
} from './elementwise.ts';
import { count, Rng } from './fixtures.ts';
import { dequantizeValue, type QParams } from './quant.ts';

// ---- ADD and MUL --------------------------------------------------------------------------

export function binaryCase(
  op: 'ADD' | 'MUL',
  dtype: CaseDType,
  name: string,
  aShape: number[],
  bShape: number[],
  activation: Activation,
): OpCase {
  return {
    op,
    dtype,
    name,
    make() {
      const rng = new Rng(seedOf(`${op} ${dtype} ${name}`));
      const options = op === 'ADD' ? addOptions({ activation }) : mulOptions({ activation });
      const p = { aShape, bShape, activation };
      if (dtype === 'float32') {
        const a = rng.floats(count(aShape), -3, 3);
        const b = rng.floats(count(bShape), -3, 3);
        const expected = op === 'ADD' ? addFloat({ ...p, a, b }) : mulFloat({ ...p, a, b });
        const outShape = broadcastShape(aShape, bShape);
        const model = singleOpModel(
          op,
          [act('float32', 'a', aShape), act('float32', 'b', bShape)],
          act('float32', 'output', outShape),
          options,
        );
        return { model, inputs: [a, b], outShape, expected };
      }
      const qa: QParams = { scale: 0.02, zeroPoint: 11 };
      const qb: QParams = { scale: 0.035, zeroPoint: -20 };
      const a = rng.int8s(count(aShape));
      const b = rng.int8s(count(bShape));
      const floats = (op === 'ADD' ? addFloat : mulFloat)({
        ...p,
        a: Array.from(a, (v) => dequantizeValue(v, qa)),
        b: Array.from(b, (v) => dequantizeValue(v, qb)),
      });
      const qo = calibrate(floats);
      const quant = { a: qa, b: qb, output: qo };
      const expected =
        op === 'ADD' ? addInt8({ ...p, a, b }, quant) : mulInt8({ ...p, a, b }, quant);
      const outShape = broadcastShape(aShape, bShape);
      const model = singleOpModel(
        op,
        [act('int8', 'a', aShape, qa), act('int8', 'b', bShape, qb)],
        act('int8', 'output', outShape, qo),
        options,
      );
      return { model, inputs: [a, b], outShape, expected };
    },
  };
}

// ---- RELU, RELU6, LOGISTIC, TANH ------------------------------------------------------------

export function unaryCase(op: UnaryOp, dtype: CaseDType, shape: number[]): OpCase {
  return {
    op,
    dtype,
    name: `[${shape}]`,
    make() {
      const rng = new Rng(seedOf(`${op} ${dtype} ${shape}`));
      if (dtype === 'float32') {
        const x = rng.floats(count(shape), -8, 8);
        const model = singleOpModel(
          op,
          [act('float32', 'input', shape)],
          act('float32', 'output', shape),
          null,
        );
        return { model, inputs: [x], outShape: shape, expected: unaryFloat(op, x) };
      }
      const inQ: QParams = { scale: 0.06, zeroPoint: 10 };
      const x = rng.int8s(count(shape));
      // TFLite fixes the int8 output quantization of LOGISTIC and TANH.
      const outQ: QParams =
        op === 'LOGISTIC'
          ? { scale: 1 / 256, zeroPoint: -128 }
          : op === 'TANH'
            ? { scale: 1 / 128, zeroPoint: 0 }
            : calibrate(
                unaryFloat(
                  op,
                  Array.from(x, (v) => dequantizeValue(v, inQ)),
                ),
              );
      const model = singleOpModel(
        op,
        [act('int8', 'input', shape, inQ)],
        act('int8', 'output', shape, outQ),
        null,
      );
      return { model, inputs: [x], outShape: shape, expected: unaryInt8(op, x, inQ, outQ) };
    },
  };
}

// ---- SOFTMAX, MEAN, PAD, CONCATENATION, RESHAPE, QUANTIZE, DEQUANTIZE ----------------------

export function softmaxCase(dtype: CaseDType, shape: number[], beta: number): OpCase {
  return {
    op: 'SOFTMAX',
    dtype,
    name: `[${shape}] beta ${beta}`,
    make() {
      const rng = new Rng(seedOf(`SOFTMAX ${dtype} ${shape} ${beta}`));
      const depth = shape[shape.length - 1];
      const options = softmaxOptions({ beta });
      if (dtype === 'float32') {
        const x = rng.floats(count(shape), -5, 5);
        const model = singleOpModel(
          'SOFTMAX',
          [act('float32', 'input', shape)],
          act('float32', 'output', shape),
          options,
        );
        return {
          model,
          inputs: [x],
          outShape: shape,
          expected: softmaxFloat(x, depth, Math.fround(beta)),
        };
      }
      const inQ: QParams = { scale: 0.08, zeroPoint: 3 };
      const outQ: QParams = { scale: 1 / 256, zeroPoint: -128 };
      const x = rng.int8s(count(shape));
      const model = singleOpModel(
        'SOFTMAX',
        [act('int8', 'input', shape, inQ)],
        act('int8', 'output', shape, outQ),
        options,
      );
      return {
        model,
        inputs: [x],
        outShape: shape,
        expected: softmaxInt8(x, depth, beta, inQ, outQ),
      };
    },
  };
}

export function quantizeCase(shape: number[], q: QParams): OpCase {
  return {
    op: 'QUANTIZE',
    dtype: 'int8',
    name: `float32 [${shape}] -> int8 scale ${q.scale} zp ${q.zeroPoint}`,
    make() {
      const rng = new Rng(seedOf(`QUANTIZE ${shape}`));
      // Wider than the int8 range, so that clamping is exercised too.
      const x = rng.floats(count(shape), -3.5, 3.5);
      const model = singleOpModel(
        'QUANTIZE',
        [act('float32', 'input', shape)],
        act('int8', 'output', shape, q),
        quantizeOptions(),
      );
      return { model, inputs: [x], outShape: shape, expected: quantize(x, q) };
    },
  };
}

export function dequantizeCase(shape: number[], q: QParams): OpCase {
  return {
    op: 'DEQUANTIZE',
    dtype: 'float32',
    name: `int8 scale ${q.scale} zp ${q.zeroPoint} [${shape}] -> float32`,
    make() {
      const rng = new Rng(seedOf(`DEQUANTIZE ${shape}`));
      const x = rng.int8s(count(shape));
      const model = singleOpModel(
        'DEQUANTIZE',
        [act('int8', 'input', shape, q)],
        act('float32', 'output', shape),
        dequantizeOptions(),
      );
      return { model, inputs: [x], outShape: shape, expected: dequantize(x, q) };
    },
  };
}
