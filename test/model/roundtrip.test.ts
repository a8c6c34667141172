// read(write(m)) equals m for built models covering every operator and options kind, in
// both buffer placements; read(write(read(f))) equals read(f) for every shared model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ModelError } from '../../src/model/errors.ts';
import { readModel } from '../../src/model/reader.ts';
import { writeModel } from '../../src/model/writer.ts';
import type { Model } from '../../src/model/types.ts';
import {
  SHARED_MODELS,
  SKIP_SHARED,
  everyOperatorInt8,
  floatNetwork,
  locateMain,
  sharedModels,
  tinyFullyConnected,
} from './fixtures.ts';
import { F } from '../../src/model/tflite-schema.ts';

const ENGINE_OPERATORS = [
  'CONV_2D',
  'DEPTHWISE_CONV_2D',
  'FULLY_CONNECTED',
  'AVERAGE_POOL_2D',
  'MAX_POOL_2D',
  'ADD',
  'MUL',
  'RESHAPE',
  'SOFTMAX',
  'MEAN',
  'PAD',
  'CONCATENATION',
  'QUANTIZE',
  'DEQUANTIZE',
  'LOGISTIC',
  'TANH',
  'RELU',
  'RELU6',
];
const OPTION_KINDS = [
  'Conv2DOptions',
  'DepthwiseConv2DOptions',
  'FullyConnectedOptions',
  'Pool2DOptions',
  'AddOptions',
  'MulOptions',
  'ReshapeOptions',
  'SoftmaxOptions',
  'ReducerOptions',
  'ConcatenationOptions',
  'PadOptions',
  'QuantizeOptions',
  'DequantizeOptions',
];

test('the fixtures cover every engine operator and every decoded options kind', () => {
  const m = everyOperatorInt8();
  const ops = new Set(m.subgraphs[0].operators.map((o) => m.operatorCodes[o.opcodeIndex].builtin));
  assert.deepEqual([...ops].sort(), [...ENGINE_OPERATORS].sort());
  const kinds = new Set<string>(m.subgraphs[0].operators.map((o) => o.options?.kind ?? 'none'));
  for (const k of OPTION_KINDS) assert.ok(kinds.has(k), k);
  assert.ok(kinds.has('none'), 'some operators carry no options');
  const conv = m.subgraphs[0].tensors.find((t) => t.name === 'dw/weights');
  assert.equal(conv?.quantization?.quantizedDimension, 3, 'per-channel along the last axis');
  assert.ok(
    m.subgraphs[0].operators.some((o) => o.inputs.includes(-1)),
    'an omitted input',
  );
});

const BUILT: Array<[string, () => Model]> = [
  ['every operator, int8', everyOperatorInt8],
  ['float32 network', floatNetwork],
  ['tiny fully connected', tinyFullyConnected],
  [
    'optional fields: min/max, shape_signature, is_variable, several subgraphs',
    () => {
      const m = everyOperatorInt8();
      const sg = m.subgraphs[0];
      sg.tensors[0].shapeSignature = [-1, 9, 7, 3];
      sg.tensors[0].quantization = { ...sg.tensors[0].quantization!, min: [-2.5], max: [2.5] };
      sg.tensors[1].isVariable = true;
      // A second subgraph taken from another built model, re-pointed at this model's
      // operator codes and buffers.
      const other = floatNetwork();
      const second = other.subgraphs[0];
      const bufferBase = m.buffers.length - 1;
      m.buffers.push(...other.buffers.slice(1));
      for (const t of second.tensors) if (t.buffer > 0) t.buffer += bufferBase;
      for (const op of second.operators) {
        const name = other.operatorCodes[op.opcodeIndex].builtin;
        op.opcodeIndex = m.operatorCodes.findIndex((c) => c.builtin === name);
        assert.ok(op.opcodeIndex >= 0, name);
      }
      second.name = 'second';
      m.subgraphs.push(second);
      m.description = 'with ünïcode ✓';
      return m;
    },
  ],
];

for (const [name, make] of BUILT) {
  test(`round trip: ${name}`, () => {
    const m = make();
    const bytes = writeModel(m);
    assert.equal(new TextDecoder().decode(bytes.subarray(4, 8)), 'TFL3');
    assert.deepStrictEqual(readModel(bytes, name), m);
  });

  test(`round trip with external buffers: ${name}`, () => {
    const m = make();
    const inline = writeModel(m);
    const bytes = writeModel(m, { externalBuffers: true });
    assert.deepStrictEqual(readModel(bytes, name), m);
    // The data really lives after the flatbuffer: its offsets point past the tables.
    const { v, buffers } = locateMain(bytes);
    const offsets = buffers.map((b) => v.uint64(b, F.Buffer.offset, 'offset')).filter((o) => o > 1);
    assert.equal(offsets.length, m.buffers.filter((b) => b.data.length > 0).length);
    for (const o of offsets) assert.equal(o % 16, 0, 'external data is 16-byte aligned');
    assert.ok(bytes.length >= inline.length - 64);
  });
}

test('constant data inside the flatbuffer is 16-byte aligned', () => {
  const m = everyOperatorInt8();
  const bytes = writeModel(m);
  const { v, buffers } = locateMain(bytes);
  let checked = 0;
  for (const b of buffers) {
    const d = v.vector(b, F.Buffer.data, 1, 'data');
    if (d === null || d.length === 0) continue;
    assert.equal(d.start % 16, 0);
    checked++;
  }
  assert.equal(checked, m.buffers.filter((b) => b.data.length > 0).length);
});

test('buffer 0 is empty and version is 3 in written files', () => {
  const bytes = writeModel(tinyFullyConnected());
  const { v, root, buffers } = locateMain(bytes);
  assert.equal(v.uint32(root, F.Model.version, 'version', 0), 3);
  assert.equal(v.vector(buffers[0], F.Buffer.data, 1, 'data'), null);
});

for (const facts of SHARED_MODELS) {
  test(`read(write(read(${facts.file}))) equals read(${facts.file})`, { skip: SKIP_SHARED }, () => {
    const m = readModel(readFileSync(path.join(sharedModels, facts.file)), facts.file);
    assert.deepStrictEqual(readModel(writeModel(m), 'rewritten'), m);
    assert.deepStrictEqual(readModel(writeModel(m, { externalBuffers: true }), 'external'), m);
  });
}

test('the writer refuses what it cannot write faithfully', () => {
  const cases: Array<[string, (m: Model) => void, string]> = [
    [
      'unwritable-options',
      (m) => (m.subgraphs[0].operators[0].options = { kind: 'Unknown', type: 42 }),
      'subgraph 0: operator 0',
    ],
    ['bad-sentinel', (m) => (m.buffers[0] = { data: new Uint8Array([1]) }), 'buffer 0'],
    [
      'bad-index',
      (m) => (m.subgraphs[0].operators[0].inputs[0] = 99),
      'subgraph 0: operator 0 (FULLY_CONNECTED): input tensor index 99',
    ],
    [
      'bad-index',
      (m) => (m.subgraphs[0].tensors[1].buffer = 50),
      'subgraph 0: tensor 1 "w": buffer index 50',
    ],
    [
      'bad-index',
      (m) => (m.subgraphs[0].operators[0].opcodeIndex = 3),
      'subgraph 0: operator 0: opcode_index 3',
    ],
    ['bad-index', (m) => (m.subgraphs[0].outputs = [-1]), 'subgraph 0: output tensor index -1'],
    [
      'negative-dimension',
      (m) => (m.subgraphs[0].tensors[0].shape = [1, -6]),
      'subgraph 0: tensor 0 "x": negative dimension -6',
    ],
    [
      'bad-value',
      (m) => (m.subgraphs[0].tensors[0].shape = [1, 2.5]),
      'subgraph 0: tensor 0 "x": dimension 2.5',
    ],
    [
      'buffer-size-mismatch',
      (m) => (m.subgraphs[0].tensors[1].shape = [4, 7]),
      'subgraph 0: tensor 1 "w": buffer 1 holds 24 bytes',
    ],
    [
      'bad-quantization',
      (m) => (m.subgraphs[0].tensors[0].quantization!.zeroPoint = []),
      'subgraph 0: tensor 0 "x": 1 scales but 0 zero points',
    ],
    [
      'unknown-operator',
      (m) => (m.operatorCodes[0] = { builtin: 'NOPE', code: 9, version: 1 }),
      'operator code 0: unknown "NOPE"',
    ],
    [
      'unknown-operator',
      (m) => (m.operatorCodes[0].code = 3),
      'operator code 0: FULLY_CONNECTED has code 9',
    ],
    ['empty-subgraph', (m) => (m.subgraphs[0].operators = []), 'subgraph 0 has no operators'],
    ['unsupported-version', (m) => (m.version = 2), 'model version 2'],
  ];
  for (const [code, spoil, prefix] of cases) {
    const m = tinyFullyConnected();
    spoil(m);
    assert.throws(
      () => writeModel(m, { source: 'spoilt.tflite' }),
      (e: unknown) =>
        e instanceof ModelError &&
        e.code === code &&
        e.message.startsWith(`spoilt.tflite: ${prefix}`),
      `${code}: ${prefix}`,
    );
  }
});
