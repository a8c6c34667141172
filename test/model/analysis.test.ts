import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnalysisError, analyzeModel, type ModelAnalysis } from '../../src/model/analysis.ts';
import { readModel } from '../../src/model/reader.ts';
import { builtinCode } from '../../src/model/tflite-schema.ts';
import { writeModel } from '../../src/model/writer.ts';
import type {
  BuiltinOptions,
  Model,
  Operator,
  Quantization,
  Tensor,
  TensorType,
} from '../../src/model/types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(repoRoot, '..', 'shared');
const absent = !existsSync(path.join(shared, 'models', 'README.md'));

/**
 * A model assembled by hand, field by field, so that these tests pin the counting
 * rules on exactly known shapes without depending on the writer.
 */
class HandModel {
  readonly model: Model = {
    version: 3,
    description: 'hand',
    operatorCodes: [],
    buffers: [{ data: new Uint8Array(0) }],
    subgraphs: [{ name: 'main', tensors: [], inputs: [], outputs: [], operators: [] }],
  };
  private sg = this.model.subgraphs[0];

  tensor(
    name: string,
    shape: number[],
    type: TensorType,
    opts: { dataBytes?: number; quantization?: Quantization } = {},
  ): number {
    let buffer = 0;
    if (opts.dataBytes !== undefined) {
      buffer = this.model.buffers.length;
      this.model.buffers.push({ data: new Uint8Array(opts.dataBytes) });
    }
    const t: Tensor = { name, shape, type, buffer, isVariable: false };
    if (opts.quantization) t.quantization = opts.quantization;
    return this.sg.tensors.push(t) - 1;
  }

  op(
    builtin: string,
    inputs: number[],
    outputs: number[],
    options: BuiltinOptions | null = null,
  ): void {
    let opcodeIndex = this.model.operatorCodes.findIndex((c) => c.builtin === builtin);
    if (opcodeIndex === -1) {
      opcodeIndex = this.model.operatorCodes.length;
      const custom = builtin.startsWith('CUSTOM:') ? builtin.slice(7) : undefined;
      this.model.operatorCodes.push({
        builtin: custom === undefined ? builtin : 'CUSTOM',
        code: builtinCode(custom === undefined ? builtin : 'CUSTOM') ?? -1,
        version: 1,
        ...(custom === undefined ? {} : { customCode: custom }),
      });
    }
    const op: Operator = { opcodeIndex, inputs, outputs, options };
    this.sg.operators.push(op);
  }

  io(inputs: number[], outputs: number[]): Model {
    this.sg.inputs = inputs;
    this.sg.outputs = outputs;
    return this.model;
  }
}

const pool = (filterH: number, filterW: number): BuiltinOptions => ({
  kind: 'Pool2DOptions',
  padding: 'VALID',
  strideW: filterW,
  strideH: filterH,
  filterW,
  filterH,
  activation: 'NONE',
});

/** Batch 2 throughout, so that every rule is seen to scale with the batch. */
function everyRule(): Model {
  const h = new HandModel();
  const q = { scale: [0.5], zeroPoint: [-3], quantizedDimension: 0 };
  const x = h.tensor('x', [2, 8, 8, 3], 'int8', { quantization: q });
  const cw = h.tensor('conv/w', [4, 3, 3, 3], 'int8', {
    dataBytes: 108,
    quantization: { scale: [1, 2, 3, 4], zeroPoint: [0, 0, 0, 0], quantizedDimension: 0 },
  });
  const bias = h.tensor('bias4', [4], 'int32', { dataBytes: 16 });
  const c = h.tensor('conv', [2, 6, 6, 4], 'int8');
  h.op('CONV_2D', [x, cw, bias], [c]);
  const dw = h.tensor('dw/w', [1, 3, 3, 4], 'int8', { dataBytes: 36 });
  const d = h.tensor('dw', [2, 4, 4, 4], 'int8');
  h.op('DEPTHWISE_CONV_2D', [c, dw, bias], [d]); // bias shared with the conv
  const p = h.tensor('pool', [2, 2, 2, 4], 'int8');
  h.op('AVERAGE_POOL_2D', [d], [p], pool(2, 2));
  const axes = h.tensor('axes', [2], 'int32', { dataBytes: 8 });
  const m = h.tensor('mean', [2, 4], 'int8');
  h.op('MEAN', [p, axes], [m], { kind: 'ReducerOptions', keepDims: false });
  const fw = h.tensor('fc/w', [3, 4], 'int8', { dataBytes: 12 });
  const f = h.tensor('fc', [2, 3], 'int8');
  h.op('FULLY_CONNECTED', [m, fw, -1], [f]);
  const newShape = h.tensor('shape', [2], 'int32', { dataBytes: 8 });
  const r = h.tensor('reshape', [6], 'int8');
  h.op('RESHAPE', [f, newShape], [r]);
  const a = h.tensor('add', [6], 'int8');
  h.op('ADD', [r, r], [a]);
  const s = h.tensor('softmax', [6], 'float32');
  h.op('SOFTMAX', [a], [s]);
  const y = h.tensor('y', [6], 'float32');
  h.op('CUSTOM:MyOp', [s], [y]);
  return h.io([x], [y]);
}

test('every MAC rule on a hand-made batch-2 model', () => {
  const a = analyzeModel(everyRule(), new Uint8Array([1, 2, 3]), 'rules');
  const rows = a.layers.map((l) => [l.op, l.macs, l.params, l.weightBytes, l.activationBytes]);
  assert.deepEqual(rows, [
    // out 2*6*6*4 = 288 elements x 3*3*3; params 108 + 4; bytes 108 + 16; act 384 + 288
    ['CONV_2D', 7776, 112, 124, 672],
    // out 2*4*4*4 = 128 x 3*3; params 36 + 4; act 288 + 128
    ['DEPTHWISE_CONV_2D', 1152, 40, 52, 416],
    // out 32 x 2*2 kernel
    ['AVERAGE_POOL_2D', 128, 0, 0, 160],
    // input elements; the axes are a constant
    ['MEAN', 32, 2, 8, 40],
    // batch (6 / 3 units = 2) x 3 units x 4 inputs; the omitted bias is skipped
    ['FULLY_CONNECTED', 24, 12, 12, 14],
    ['RESHAPE', 0, 2, 8, 12],
    // ADD reads the same tensor twice: it is counted at each input position
    ['ADD', 6, 0, 0, 18],
    ['SOFTMAX', 6, 0, 0, 30],
    ['CUSTOM:MyOp', 6, 0, 0, 48],
  ]);
  assert.deepEqual(a.totals, {
    layers: 9,
    macs: 7776 + 1152 + 128 + 32 + 24 + 0 + 6 + 6 + 6,
    // The shared bias counts once: 108 + 4 + 36 + 2 + 12 + 2.
    params: 164,
    weightBytes: 108 + 16 + 36 + 8 + 12 + 8,
    // Every activation once: 384 + 288 + 128 + 32 + 8 + 6 + 6 + 6 + 24 + 24.
    activationBytes: 906,
  });
  assert.deepEqual(a.ops, [
    { op: 'CONV_2D', count: 1 },
    { op: 'DEPTHWISE_CONV_2D', count: 1 },
    { op: 'AVERAGE_POOL_2D', count: 1 },
    { op: 'MEAN', count: 1 },
    { op: 'FULLY_CONNECTED', count: 1 },
    { op: 'RESHAPE', count: 1 },
    { op: 'ADD', count: 1 },
    { op: 'SOFTMAX', count: 1 },
    { op: 'CUSTOM:MyOp', count: 1 },
  ]);
  assert.deepEqual(a.inputs, [
    {
      index: 0,
      name: 'x',
      shape: [2, 8, 8, 3],
      dtype: 'int8',
      quantization: { scale: [0.5], zeroPoint: [-3], axis: 0 },
    },
  ]);
  assert.equal(a.layers[0].inputs[1].quantization?.scale.length, 4);
  assert.equal(a.layers[4].inputs.length, 2, 'the omitted FC bias is not listed');
  assert.equal(a.outputs[0].quantization, undefined);
  assert.equal(
    a.sha256,
    createHash('sha256')
      .update(new Uint8Array([1, 2, 3]))
      .digest('hex'),
  );
  assert.equal(a.bytes, 3);
  assert.equal(a.subgraphs, 1);
  assert.deepEqual(a.flash, { modelBytes: 3, engineBytes: null, totalBytes: null });
  // 10 activations placed; the two largest (384 and 288) are live together at op 0.
  assert.equal(a.arena.tensors, 10);
  assert.ok(a.arena.bytes >= 384 + 288 && a.arena.bytes < a.totals.activationBytes);
});

test('the analysis survives write and read, and has the TypeScript shape of the schema', () => {
  const model = everyRule();
  const bytes = writeModel(model);
  const before = analyzeModel(model, bytes, 'rules');
  const after = analyzeModel(readModel(bytes, 'rules.tflite'), bytes, 'rules');
  assert.deepEqual(after, before);
  assert.equal(after.layers.length, 9);
});

test('only subgraph 0 is analysed; the others are only counted', () => {
  const model = everyRule();
  // A second subgraph that would fail analysis (an index past its tensors) if walked.
  model.subgraphs.push({
    name: 'body',
    tensors: [],
    inputs: [7],
    outputs: [8],
    operators: [{ opcodeIndex: 0, inputs: [7], outputs: [8], options: null }],
  });
  const a = analyzeModel(model, new Uint8Array(0), 'two');
  assert.equal(a.subgraphs, 2);
  assert.equal(a.totals.layers, 9);
});

test('flash adds the engine when its size is known', () => {
  const a = analyzeModel(everyRule(), new Uint8Array(1000), 'rules', { engineBytes: 24_000 });
  assert.deepEqual(a.flash, { modelBytes: 1000, engineBytes: 24_000, totalBytes: 25_000 });
});

function expectCode(fn: () => unknown, code: string, mentions: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AnalysisError, String(e));
    assert.equal(e.code, code);
    assert.ok(e.message.startsWith('bad.tflite: '), e.message);
    assert.ok(e.message.includes(mentions), e.message);
    return true;
  });
}

test('models analysis cannot measure fail with a code and name the place', () => {
  const bytes = new Uint8Array(0);
  const noSub = everyRule();
  noSub.subgraphs = [];
  expectCode(() => analyzeModel(noSub, bytes, 'bad.tflite'), 'no-subgraph', 'no subgraph');

  const badOpcode = everyRule();
  badOpcode.subgraphs[0].operators[2].opcodeIndex = 99;
  expectCode(() => analyzeModel(badOpcode, bytes, 'bad.tflite'), 'bad-index', 'operator 2');

  const badTensor = everyRule();
  badTensor.subgraphs[0].operators[1].outputs = [500];
  expectCode(() => analyzeModel(badTensor, bytes, 'bad.tflite'), 'bad-index', 'tensor 500');

  const badInput = everyRule();
  badInput.subgraphs[0].inputs = [41];
  expectCode(() => analyzeModel(badInput, bytes, 'bad.tflite'), 'bad-index', 'graph input');

  const badBuffer = everyRule();
  badBuffer.subgraphs[0].tensors[1].buffer = 77;
  expectCode(() => analyzeModel(badBuffer, bytes, 'bad.tflite'), 'bad-index', 'buffer 77');

  const flatFilter = everyRule();
  flatFilter.subgraphs[0].tensors[1].shape = [4, 27];
  expectCode(() => analyzeModel(flatFilter, bytes, 'bad.tflite'), 'bad-shape', 'CONV_2D');

  const noPoolOptions = everyRule();
  noPoolOptions.subgraphs[0].operators[2].options = null;
  expectCode(() => analyzeModel(noPoolOptions, bytes, 'bad.tflite'), 'bad-shape', 'Pool2DOptions');

  const stringActivation = everyRule();
  stringActivation.subgraphs[0].tensors[3].type = 'string';
  expectCode(() => analyzeModel(stringActivation, bytes, 'bad.tflite'), 'unsized-tensor', '"conv"');
});

/** The facts table of shared/models/README.md, parsed rather than copied. */
function readmeTable(): Map<
  string,
  { operators: number; macs: number; params: number; types: string }
> {
  const text = readFileSync(path.join(shared, 'models', 'README.md'), 'utf8');
  const rows = new Map<
    string,
    { operators: number; macs: number; params: number; types: string }
  >();
  const num = (s: string): number => Number(s.trim().replaceAll(',', ''));
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | model | operators | MACs | params | operator types |
    if (cells.length !== 7 || !/^\d/.test(cells[2])) continue;
    rows.set(cells[1], {
      operators: num(cells[2]),
      macs: num(cells[3]),
      params: num(cells[4]),
      types: cells[5],
    });
  }
  return rows;
}

function analyzeShared(name: string): ModelAnalysis {
  const file = path.join(shared, 'models', `${name}.tflite`);
  const bytes = new Uint8Array(readFileSync(file));
  return analyzeModel(readModel(bytes, file), bytes, name);
}

test(
  'shared models match the facts table of their README exactly',
  { skip: absent ? 'shared/ not found beside the checkout' : false },
  () => {
    const table = readmeTable();
    assert.equal(table.size, 4, 'the README lists four models');
    // The README counts MACs of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED only;
    // our totals add the element-wise and pooling operators (docs/metrics.md).
    const readmeOps = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);
    for (const [name, want] of table) {
      const a = analyzeShared(name);
      const macs = a.layers.filter((l) => readmeOps.has(l.op)).reduce((s, l) => s + l.macs, 0);
      // "CONV_2D x5, ADD": the operator types in order of first use, with a count where
      // the README gives one (it leaves it out for hello_world's single type).
      const types = want.types.split(', ').map((t) => {
        const m = /^(\w+)(?: x(\d+))?$/.exec(t);
        assert.ok(m, `${name}: cannot read operator type "${t}"`);
        const count = a.ops.find((o) => o.op === m[1])?.count;
        return m[2] === undefined ? m[1] : `${m[1]} x${count}`;
      });
      assert.deepEqual(
        { operators: a.totals.layers, macs, params: a.totals.params, types: types.join(', ') },
        want,
        name,
      );
      assert.deepEqual(
        a.ops.map((o) => o.op),
        types.map((t) => t.split(' ')[0]),
        `${name}: operator types`,
      );
      assert.equal(a.subgraphs, 1, name);
    }
  },
);

test(
  'shared models: per-layer MACs of micro_speech by hand',
  { skip: absent ? 'shared/ not found beside the checkout' : false },
  () => {
    const a = analyzeShared('micro_speech_quantized');
    // DEPTHWISE: out [1,25,20,8], filter [1,10,8,8]: 4000 x 80. FC: 4 units x 4000 inputs.
    assert.deepEqual(
      a.layers.map((l) => [l.op, l.macs, l.outputs[0].shape]),
      [
        ['RESHAPE', 0, [1, 49, 40, 1]],
        ['DEPTHWISE_CONV_2D', 320_000, [1, 25, 20, 8]],
        ['FULLY_CONNECTED', 16_000, [1, 4]],
        ['SOFTMAX', 4, [1, 4]],
      ],
    );
    assert.equal(a.layers[1].params, 8 * 10 * 8 + 8);
    assert.equal(a.totals.macs, 336_004);
  },
);

test(
  'shared models: float and int8 versions of a network have the same counts',
  { skip: absent ? 'shared/ not found beside the checkout' : false },
  () => {
    for (const [int8, float] of [
      ['ic_resnet8_int8', 'ic_resnet8_float'],
      ['hello_world_int8', 'hello_world_float'],
    ]) {
      const a = analyzeShared(int8);
      const b = analyzeShared(float);
      assert.deepEqual(
        b.layers.map((l) => [l.op, l.macs, l.params]),
        a.layers.map((l) => [l.op, l.macs, l.params]),
      );
      // float32 activations take four times the bytes of int8 ones, layer by layer.
      assert.equal(b.totals.activationBytes, 4 * a.totals.activationBytes, float);
    }
  },
);
