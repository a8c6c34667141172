// Hostile and broken files: each error code of the reader provoked by a written model with
// one field patched (located through a marker value or the bounds-checked view), then
// random mutations and truncations that must end in a ModelError, never another error or
// a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelBuilder, conv2dOptions } from '../../src/model/builder.ts';
import { ModelError, type ModelErrorCode } from '../../src/model/errors.ts';
import { readModel } from '../../src/model/reader.ts';
import { F } from '../../src/model/tflite-schema.ts';
import { writeModel } from '../../src/model/writer.ts';
import {
  everyOperatorInt8,
  findInt32,
  locateMain,
  putInt32,
  putUint32,
  q8,
  rng,
  tinyFullyConnected,
} from './fixtures.ts';

const SOURCE = 'hostile.tflite';

function rejects(bytes: Uint8Array, code: ModelErrorCode, prefix: string): void {
  assert.throws(
    () => readModel(bytes, SOURCE),
    (e: unknown) => {
      assert.ok(e instanceof ModelError, `a ModelError, not ${String(e)}`);
      assert.equal(e.code, code, e.message);
      assert.ok(
        e.message.startsWith(`${SOURCE}: ${prefix}`),
        `"${e.message}" starts with "${SOURCE}: ${prefix}"`,
      );
      return true;
    },
  );
}

const tiny = (): Uint8Array => writeModel(tinyFullyConnected());

test('the unpatched fixtures read', () => {
  assert.doesNotThrow(() => readModel(tiny()));
  assert.doesNotThrow(() => readModel(writeModel(everyOperatorInt8())));
});

test('truncated file: header, tables, inside a buffer, last byte', () => {
  const bytes = tiny();
  const { v, buffers } = locateMain(bytes);
  const weights = v.vector(buffers[1], F.Buffer.data, 1, 'data');
  assert.ok(weights !== null && weights.length === 24);
  const cuts = [0, 3, 7, 8, 12, 40, bytes.length >> 1, weights.start + 11, bytes.length - 1];
  for (const cut of cuts) rejects(bytes.subarray(0, cut), 'truncated', '');
  rejects(bytes.subarray(0, 5), 'truncated', 'file is 5 bytes, shorter than a header');
  // Every cut of this file leaves some referenced structure short.
  for (let cut = 0; cut < bytes.length; cut++) rejects(bytes.subarray(0, cut), 'truncated', '');
});

test('truncated file with external buffers: cut inside the data after the flatbuffer', () => {
  const bytes = writeModel(tinyFullyConnected(), { externalBuffers: true });
  const { v, buffers } = locateMain(bytes);
  const offset = v.uint64(buffers[1], F.Buffer.offset, 'offset');
  rejects(bytes.subarray(0, offset + 10), 'truncated', 'buffer 1: external data');
});

test('wrong file identifier', () => {
  const bytes = tiny();
  bytes.set([0x54, 0x46, 0x4c, 0x32], 4); // "TFL2"
  rejects(bytes, 'identifier', 'file identifier is "TFL2", expected "TFL3"');
});

test('root offset out of range', () => {
  rejects(putUint32(tiny(), 0, 0xfffffff0), 'offset-out-of-range', 'model: table at offset');
});

test('table offset out of range (an element of the subgraphs vector)', () => {
  const bytes = tiny();
  const { v, root } = locateMain(bytes);
  const subgraphs = v.vector(root, F.Model.subgraphs, 4, 'subgraphs');
  assert.ok(subgraphs);
  rejects(putUint32(bytes, subgraphs.start, 0x7ffffff0), 'offset-out-of-range', 'subgraph 0:');
});

test('vtable offset out of range', () => {
  const bytes = tiny();
  const { tensors } = locateMain(bytes);
  rejects(putInt32(bytes, tensors[2].pos, 0x7ffffff0), 'offset-out-of-range', 'tensor 2: vtable');
});

test('field outside its table', () => {
  const bytes = tiny();
  const { tensors } = locateMain(bytes);
  const t = tensors[0];
  const slot = t.vtable + 4 + 2 * F.Tensor.shape;
  const patched = bytes.slice();
  new DataView(patched.buffer).setUint16(slot, t.tableSize, true);
  rejects(patched, 'offset-out-of-range', 'tensor 0: field shape lies outside its table');
});

test('vector length out of range', () => {
  const bytes = tiny();
  const { v, tensors } = locateMain(bytes);
  const shape = v.vector(tensors[0], F.Tensor.shape, 4, 'shape');
  assert.ok(shape);
  rejects(putUint32(bytes, shape.start - 4, 0x40000000), 'vector-out-of-range', 'tensor 0: shape');
  // A plausible length that still runs past the end reads as a cut file.
  rejects(putUint32(bytes, shape.start - 4, 100000), 'truncated', 'tensor 0: shape of 100000');
});

test('unknown operator code', () => {
  const bytes = tiny();
  const { v, operatorCodes } = locateMain(bytes);
  const pos = v.field(operatorCodes[0], F.OperatorCode.builtinCode, 4, 'builtin_code');
  rejects(
    putInt32(bytes, pos, 210),
    'unknown-operator',
    'operator code 0: unknown builtin code 210',
  );
});

test('tensor with a negative dimension (found by a marker)', () => {
  const MARKER = 0x2a5b7c1d;
  const b = new ModelBuilder();
  const x = b.addTensor({ name: 'x', shape: [1, 3], type: 'int8', quantization: q8(0.1, 0) });
  const y = b.addTensor({ name: 'conv1/out', shape: [1, MARKER, 3, 8], type: 'int8' });
  b.addOperator('RELU', [x], [y]);
  b.setInputs([x]);
  b.setOutputs([y]);
  const bytes = writeModel(b.build());
  const patched = putInt32(bytes, findInt32(bytes, MARKER), -3);
  rejects(
    patched,
    'negative-dimension',
    'tensor 1 "conv1/out": negative dimension -3 in shape [1,-3,3,8]',
  );
});

test('empty subgraph: no operators, or no subgraph at all', () => {
  const bytes = tiny();
  const { v, root, subgraph } = locateMain(bytes);
  const ops = v.vector(subgraph, F.SubGraph.operators, 4, 'operators');
  assert.ok(ops);
  rejects(putUint32(bytes, ops.start - 4, 0), 'empty-subgraph', 'subgraph 0 has no operators');
  const sgs = v.vector(root, F.Model.subgraphs, 4, 'subgraphs');
  assert.ok(sgs);
  rejects(putUint32(bytes, sgs.start - 4, 0), 'empty-subgraph', 'the model has no subgraph');
});

test('operator tensor index out of range', () => {
  const bytes = tiny();
  const { v, operators } = locateMain(bytes);
  const inputs = v.vector(operators[0], F.Operator.inputs, 4, 'inputs');
  const outputs = v.vector(operators[0], F.Operator.outputs, 4, 'outputs');
  assert.ok(inputs && outputs);
  const at = 'operator 0 (FULLY_CONNECTED):';
  rejects(
    putInt32(bytes, inputs.start, 99),
    'bad-index',
    `${at} input tensor index 99 out of range (4 tensors)`,
  );
  rejects(putInt32(bytes, inputs.start + 8, -2), 'bad-index', `${at} input tensor index -2`);
  rejects(putInt32(bytes, outputs.start, 4), 'bad-index', `${at} output tensor index 4`);
});

test('subgraph input out of range', () => {
  const bytes = tiny();
  const { v, subgraph } = locateMain(bytes);
  const inputs = v.vector(subgraph, F.SubGraph.inputs, 4, 'inputs');
  assert.ok(inputs);
  rejects(putInt32(bytes, inputs.start, 7), 'bad-index', 'subgraph 0: inputs[0]: tensor index 7');
});

test('opcode index out of range', () => {
  const m = everyOperatorInt8();
  const bytes = writeModel(m);
  const { v, operators } = locateMain(bytes);
  const pos = v.field(operators[1], F.Operator.opcodeIndex, 4, 'opcode_index');
  assert.ok(pos > 0);
  rejects(putInt32(bytes, pos, 1000), 'bad-index', 'operator 1: opcode_index 1000 out of range');
});

test('buffer index out of range', () => {
  const bytes = tiny();
  const { v, tensors } = locateMain(bytes);
  const pos = v.field(tensors[1], F.Tensor.buffer, 4, 'buffer');
  rejects(
    putInt32(bytes, pos, 77),
    'bad-index',
    'tensor 1 "w": buffer index 77 out of range (3 buffers)',
  );
});

test('external buffer offset past the end', () => {
  const bytes = writeModel(tinyFullyConnected(), { externalBuffers: true });
  const { v, buffers } = locateMain(bytes);
  const pos = v.field(buffers[2], F.Buffer.offset, 8, 'offset');
  const patched = bytes.slice();
  new DataView(patched.buffer).setBigUint64(pos, BigInt(bytes.length + 64), true);
  rejects(patched, 'offset-out-of-range', 'buffer 2: external data offset');
  new DataView(patched.buffer).setBigUint64(pos, 2n ** 60n, true);
  rejects(patched, 'offset-out-of-range', 'buffer 2: offset');
});

test('unknown tensor type, bad enum, unsupported version', () => {
  const bytes = tiny();
  const { v, root, tensors } = locateMain(bytes);
  const type = v.field(tensors[0], F.Tensor.type, 1, 'type');
  const patched = bytes.slice();
  patched[type] = 42;
  rejects(patched, 'unknown-type', 'tensor 0 "x": unknown tensor type 42');
  const version = v.field(root, F.Model.version, 4, 'version');
  rejects(putInt32(bytes, version, 2), 'unsupported-version', 'schema version 2');

  const conv = writeModel(everyOperatorInt8());
  const cv = locateMain(conv);
  const options = cv.v.subtable(cv.operators[1], F.Operator.builtinOptions, 'o', 'o');
  assert.ok(options);
  const padding = cv.v.field(options, F.Conv2DOptions.padding, 1, 'padding');
  assert.ok(padding > 0, 'VALID is written (SAME is the default)');
  const bad = conv.slice();
  bad[padding] = 5;
  rejects(bad, 'bad-enum', 'operator 1 (CONV_2D): options: padding 5');
});

test('quantization: zero points and scales disagree, zero point not a safe integer', () => {
  const bytes = tiny();
  const { v, tensors } = locateMain(bytes);
  const q = v.subtable(tensors[0], F.Tensor.quantization, 'q', 'q');
  assert.ok(q);
  const zp = v.vector(q, F.QuantizationParameters.zeroPoint, 8, 'zero_point');
  assert.ok(zp);
  rejects(
    putUint32(bytes, zp.start - 4, 0),
    'bad-quantization',
    'tensor 0 "x": quantization: 1 scales but 0',
  );
  const big = bytes.slice();
  new DataView(big.buffer).setBigInt64(zp.start, 2n ** 60n, true);
  rejects(big, 'bad-quantization', 'tensor 0 "x": quantization: zero_point[0]');
});

test('sparse tensors are refused, not misread as dense', () => {
  const bytes = tiny();
  const { v, tensors } = locateMain(bytes);
  // Point tensor 1's vtable slot for `sparsity` (past its written fields) at its shape
  // field: any table offset makes the field present, which is all the reader checks.
  const t = tensors[1];
  const slot = 4 + 2 * F.Tensor.sparsity;
  assert.ok(slot + 2 <= t.vtableSize, 'the writer declares every Tensor field in the vtable');
  const shapeRel = v.field(t, F.Tensor.shape, 4, 'shape') - t.pos;
  const patched = bytes.slice();
  new DataView(patched.buffer).setUint16(t.vtable + slot, shapeRel, true);
  rejects(patched, 'unsupported', 'tensor 1 "w": sparse tensors are not supported');
});

test('constant buffer size does not match shape', () => {
  const bytes = tiny();
  const { v, tensors } = locateMain(bytes);
  const shape = v.vector(tensors[1], F.Tensor.shape, 4, 'shape');
  assert.ok(shape);
  rejects(
    putInt32(bytes, shape.start + 4, 5),
    'buffer-size-mismatch',
    'tensor 1 "w": buffer 1 holds 24 bytes',
  );
});

test('shared vectors cannot amplify the work past the file size', () => {
  // 40 buffers whose data all point at the same 8 KB: 320 KB of copies from a 9 KB file.
  const b = new ModelBuilder();
  const x = b.addTensor({ name: 'x', shape: [1, 8192], type: 'int8', data: new Int8Array(8192) });
  const outs: number[] = [];
  for (let i = 0; i < 40; i++) {
    outs.push(b.addTensor({ name: `c${i}`, shape: [1], type: 'int8', data: new Int8Array(1) }));
  }
  const y = b.addTensor({ name: 'y', shape: [1, 8192], type: 'int8' });
  b.addOperator('RELU', [x], [y]);
  b.setOutputs([y, ...outs]);
  const bytes = writeModel(b.build());
  const { v, buffers } = locateMain(bytes);
  const slot = (i: number): number => v.field(buffers[i], F.Buffer.data, 4, 'data');
  const big = slot(1) + new DataView(bytes.buffer, bytes.byteOffset).getUint32(slot(1), true);
  const patched = bytes.slice();
  const dv = new DataView(patched.buffer);
  for (let i = 2; i < buffers.length; i++) dv.setUint32(slot(i), big - slot(i), true);
  rejects(patched, 'budget-exceeded', 'buffer');
});

test('random mutations and truncations: a Model or a ModelError, quickly', () => {
  const seeds: Array<[string, Uint8Array]> = [
    ['tiny', tiny()],
    ['every operator', writeModel(everyOperatorInt8())],
    ['external', writeModel(tinyFullyConnected(), { externalBuffers: true })],
  ];
  const r = rng(20261124);
  const tally = { read: 0, rejected: 0 };
  const codes = new Set<string>();
  const started = performance.now();
  for (let i = 0; i < 2000; i++) {
    const [, original] = seeds[i % seeds.length];
    let bytes: Uint8Array;
    if (i % 4 === 3) {
      bytes = original.subarray(0, Math.floor(r() * original.length));
    } else {
      bytes = original.slice();
      bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
    }
    try {
      readModel(bytes, 'fuzz');
      tally.read++;
    } catch (e) {
      if (!(e instanceof ModelError)) {
        assert.fail(`case ${i}: ${e instanceof Error ? e.stack : String(e)}`);
      }
      codes.add(e.code);
      tally.rejected++;
    }
  }
  const ms = performance.now() - started;
  assert.ok(ms < 5000, `2000 cases took ${ms.toFixed(0)} ms`);
  // Both outcomes occur: mutations of data bytes read, mutations of structure are rejected.
  assert.ok(tally.read > 100 && tally.rejected > 100, JSON.stringify(tally));
  assert.ok(codes.has('truncated'));
});

test('builder: unknown operator names fail', () => {
  const b = new ModelBuilder();
  assert.throws(
    () => b.addOperator('CONV_3X', [], [], conv2dOptions()),
    (e: unknown) => e instanceof ModelError && e.code === 'unknown-operator',
  );
});
