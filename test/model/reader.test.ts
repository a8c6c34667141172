// The reader on the real third-party models of shared/models (facts from its README), and
// the operator-code rules of the schema on files written the old and the new way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ModelBuilder, conv2dOptions } from '../../src/model/builder.ts';
import { readModel } from '../../src/model/reader.ts';
import {
  F,
  OPTIONS,
  optionsUnionName,
  builtinCode,
  builtinName,
  BUILTIN_OPERATOR_CODES,
} from '../../src/model/tflite-schema.ts';
import { writeModel } from '../../src/model/writer.ts';
import { SHARED_MODELS, SKIP_SHARED, locateMain, putInt32, sharedModels } from './fixtures.ts';

for (const facts of SHARED_MODELS) {
  test(`reads ${facts.file}`, { skip: SKIP_SHARED }, () => {
    const bytes = readFileSync(path.join(sharedModels, facts.file));
    const m = readModel(bytes, facts.file);
    assert.equal(m.version, 3);
    assert.equal(m.subgraphs.length, 1);
    const sg = m.subgraphs[0];
    assert.ok(sg.tensors.length > 0);
    const ops = sg.operators.map((op) => m.operatorCodes[op.opcodeIndex].builtin).sort();
    assert.deepEqual(ops, facts.operators);
    assert.equal(sg.inputs.length, 1);
    assert.equal(sg.outputs.length, 1);
    const input = sg.tensors[sg.inputs[0]];
    const output = sg.tensors[sg.outputs[0]];
    assert.deepEqual({ type: input.type, shape: input.shape }, facts.input);
    assert.deepEqual({ type: output.type, shape: output.shape }, facts.output);
    // Every operator of these models carries its options table except RESHAPE in some.
    for (const op of sg.operators) {
      const name = m.operatorCodes[op.opcodeIndex].builtin;
      if (['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'SOFTMAX'].includes(name)) {
        assert.notEqual(op.options, null, `${name} has options`);
        assert.notEqual(op.options?.kind, 'Unknown');
      }
    }
    // Constants reference non-empty buffers, activations the empty sentinel or an empty one.
    for (const t of sg.tensors) assert.ok(t.buffer < m.buffers.length);
    assert.equal(m.buffers[0].data.length, 0);
  });
}

/** Output size of a windowed operator, by the TFLite padding rules. */
function outSize(
  padding: 'SAME' | 'VALID',
  input: number,
  filter: number,
  stride: number,
  dilation: number,
): number {
  const effective = (filter - 1) * dilation + 1;
  return padding === 'SAME'
    ? Math.ceil(input / stride)
    : Math.floor((input - effective) / stride) + 1;
}

for (const facts of SHARED_MODELS) {
  // If a field id were wrong (stride read from the filter slot, padding from activation...),
  // the decoded options would not reproduce the converter's own output shapes.
  test(`${facts.file}: decoded options reproduce the output shapes`, { skip: SKIP_SHARED }, () => {
    const m = readModel(readFileSync(path.join(sharedModels, facts.file)), facts.file);
    const sg = m.subgraphs[0];
    let checked = 0;
    for (const op of sg.operators) {
      const o = op.options;
      const input = sg.tensors[op.inputs[0]].shape;
      const output = sg.tensors[op.outputs[0]].shape;
      if (o?.kind === 'Conv2DOptions' || o?.kind === 'DepthwiseConv2DOptions') {
        const w = sg.tensors[op.inputs[1]].shape;
        assert.equal(output[1], outSize(o.padding, input[1], w[1], o.strideH, o.dilationH));
        assert.equal(output[2], outSize(o.padding, input[2], w[2], o.strideW, o.dilationW));
        checked++;
      } else if (o?.kind === 'Pool2DOptions') {
        assert.equal(output[1], outSize(o.padding, input[1], o.filterH, o.strideH, 1));
        assert.equal(output[2], outSize(o.padding, input[2], o.filterW, o.strideW, 1));
        assert.equal(output[3], input[3]);
        checked++;
      } else if (o?.kind === 'SoftmaxOptions') {
        assert.equal(o.beta, 1);
      }
    }
    const windowed = facts.operators.filter((n) => /CONV_2D|POOL_2D/.test(n)).length;
    assert.equal(checked, windowed);
  });
}

test(
  'ic_resnet8_int8: conv weights are per-channel, inputs int8, biases int32',
  { skip: SKIP_SHARED },
  () => {
    const m = readModel(readFileSync(path.join(sharedModels, 'ic_resnet8_int8.tflite')));
    const sg = m.subgraphs[0];
    const convs = sg.operators.filter(
      (op) => m.operatorCodes[op.opcodeIndex].builtin === 'CONV_2D',
    );
    assert.equal(convs.length, 9);
    for (const op of convs) {
      const [input, weights, bias] = op.inputs.map((i) => sg.tensors[i]);
      assert.equal(input.type, 'int8');
      assert.equal(weights.type, 'int8');
      assert.equal(bias.type, 'int32');
      const q = weights.quantization;
      assert.ok(q, `${weights.name} is quantized`);
      assert.equal(q.quantizedDimension, 0);
      assert.equal(
        q.scale.length,
        weights.shape[0],
        `${weights.name}: one scale per output channel`,
      );
      assert.ok(q.scale.length > 1);
      assert.ok(
        q.zeroPoint.every((z) => z === 0),
        'symmetric weights',
      );
      assert.ok(q.scale.every((s) => s > 0 && Number.isFinite(s)));
      assert.equal(
        m.buffers[weights.buffer].data.length,
        weights.shape.reduce((a, b) => a * b, 1),
      );
      const o = op.options;
      assert.equal(o?.kind, 'Conv2DOptions');
    }
  },
);

test('kws_ref_model: depthwise options and per-tensor activations', { skip: SKIP_SHARED }, () => {
  const m = readModel(readFileSync(path.join(sharedModels, 'kws_ref_model.tflite')));
  const sg = m.subgraphs[0];
  for (const op of sg.operators) {
    if (m.operatorCodes[op.opcodeIndex].builtin !== 'DEPTHWISE_CONV_2D') continue;
    assert.equal(op.options?.kind, 'DepthwiseConv2DOptions');
    if (op.options?.kind !== 'DepthwiseConv2DOptions') continue;
    assert.equal(op.options.depthMultiplier, 1);
    assert.ok(op.options.strideW >= 1 && op.options.dilationW >= 1);
    const out = sg.tensors[op.outputs[0]];
    assert.equal(out.quantization?.scale.length, 1, 'activations are per-tensor');
  }
});

test(
  'old-style files (deprecated_builtin_code only) resolve their operators',
  { skip: SKIP_SHARED },
  () => {
    // micro_speech (TOCO) and the MLPerf KWS model predate the int32 builtin_code field.
    for (const file of ['micro_speech_quantized.tflite', 'kws_ref_model.tflite']) {
      const bytes = new Uint8Array(readFileSync(path.join(sharedModels, file)));
      const { v, operatorCodes } = locateMain(bytes);
      for (const t of operatorCodes) {
        assert.equal(
          v.field(t, F.OperatorCode.builtinCode, 4, 'builtin_code'),
          0,
          `${file}: old style`,
        );
      }
      const m = readModel(bytes, file);
      for (const c of m.operatorCodes) assert.equal(builtinCode(c.builtin), c.code);
      assert.ok(m.operatorCodes.some((c) => c.builtin === 'DEPTHWISE_CONV_2D'));
    }
  },
);

test('operator code table: complete, unique, and stable anchors', () => {
  // Dense 0..209 plus the sparse 225, as in the current schema.
  assert.equal(BUILTIN_OPERATOR_CODES.length, 211);
  for (let c = 0; c <= 209; c++) assert.ok(builtinName(c), `code ${c} named`);
  const anchors: Array<[string, number]> = [
    ['ADD', 0],
    ['CONV_2D', 3],
    ['DEPTHWISE_CONV_2D', 4],
    ['FULLY_CONNECTED', 9],
    ['MAX_POOL_2D', 17],
    ['SOFTMAX', 25],
    ['CUSTOM', 32],
    ['MEAN', 40],
    ['QUANTIZE', 114],
    ['PLACEHOLDER_FOR_GREATER_OP_CODES', 127],
    ['GELU', 150],
    ['STABLEHLO_CASE', 209],
    ['TEMP_STREAMING_CONV_2D', 225],
  ];
  for (const [name, code] of anchors) {
    assert.equal(builtinCode(name), code);
    assert.equal(builtinName(code), name);
  }
  assert.equal(builtinName(210), undefined);
});

test('BuiltinOptions union numbers of the decoded kinds', () => {
  // Checked against the schema's union declaration order (NONE = 0).
  assert.deepEqual(OPTIONS, {
    Conv2DOptions: 1,
    DepthwiseConv2DOptions: 2,
    Pool2DOptions: 5,
    FullyConnectedOptions: 8,
    SoftmaxOptions: 9,
    ConcatenationOptions: 10,
    AddOptions: 11,
    ReshapeOptions: 17,
    MulOptions: 21,
    PadOptions: 22,
    ReducerOptions: 27,
    DequantizeOptions: 38,
    QuantizeOptions: 89,
  });
  assert.equal(optionsUnionName(126), 'RightShiftOptions');
  assert.equal(optionsUnionName(127), undefined);
  assert.equal(optionsUnionName(0), undefined);
});

function convModel(): Uint8Array {
  const b = new ModelBuilder();
  const x = b.addTensor({ name: 'x', shape: [1, 3, 3, 1], type: 'float32' });
  const w = b.addTensor({
    name: 'w',
    shape: [1, 1, 1, 1],
    type: 'float32',
    data: new Float32Array([2]),
  });
  const y = b.addTensor({ name: 'y', shape: [1, 3, 3, 1], type: 'float32' });
  b.addOperator('CONV_2D', [x, w, -1], [y], conv2dOptions());
  b.setInputs([x]);
  b.setOutputs([y]);
  return writeModel(b.build());
}

test('old converters: only deprecated_builtin_code set', () => {
  const bytes = convModel();
  const { v, operatorCodes } = locateMain(bytes);
  const pos = v.field(operatorCodes[0], F.OperatorCode.builtinCode, 4, 'builtin_code');
  assert.ok(pos > 0, 'the writer sets builtin_code');
  const m = readModel(putInt32(bytes, pos, 0));
  assert.deepEqual(m.operatorCodes[0], { builtin: 'CONV_2D', code: 3, version: 1 });
});

test('codes past 127: deprecated byte holds the placeholder, builtin_code the code', () => {
  const b = new ModelBuilder();
  const x = b.addTensor({ name: 'x', shape: [2, 3], type: 'float32' });
  const y = b.addTensor({ name: 'y', shape: [2, 3], type: 'float32' });
  b.addOperator('GELU', [x], [y]);
  b.setInputs([x]);
  b.setOutputs([y]);
  const bytes = writeModel(b.build());
  const { v, operatorCodes } = locateMain(bytes);
  assert.equal(v.int8(operatorCodes[0], F.OperatorCode.deprecatedBuiltinCode, 'd', 0), 127);
  assert.equal(v.int32(operatorCodes[0], F.OperatorCode.builtinCode, 'b', 0), 150);
  assert.equal(readModel(bytes).operatorCodes[0].builtin, 'GELU');
});

test('custom operators keep their custom_code', () => {
  const m = readModel(convModel());
  m.operatorCodes.push({
    builtin: 'CUSTOM',
    code: 32,
    customCode: 'TFLite_Detection_PostProcess',
    version: 1,
  });
  m.subgraphs[0].operators.push({ opcodeIndex: 1, inputs: [2], outputs: [0], options: null });
  const back = readModel(writeModel(m));
  assert.deepEqual(back.operatorCodes[1], m.operatorCodes[1]);
});

test('the caller may reuse its bytes: the model does not alias them', () => {
  const bytes = convModel();
  const m = readModel(bytes);
  const before = [...m.buffers[1].data];
  bytes.fill(0);
  assert.deepEqual([...m.buffers[1].data], before);
});
