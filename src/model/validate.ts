// Consistency checks of an in-memory Model, shared by the writer and the builder: a model
// that passes is one the writer can serialise and the reader will read back unchanged.

import { ModelError, type ModelErrorCode } from './errors.ts';
import { SCHEMA_VERSION, builtinCode, elementBytes } from './tflite-schema.ts';
import { TENSOR_TYPES, type Model, type Quantization, type Subgraph } from './types.ts';

const INT32_MAX = 2 ** 31 - 1;
const isInt32 = (x: number): boolean => Number.isInteger(x) && Math.abs(x) <= INT32_MAX;

/** Throws ModelError naming the first problem found; `source` names the model. */
export function validateModel(model: Model, source: string): void {
  const fail = (code: ModelErrorCode, detail: string): never => {
    throw new ModelError(code, source, detail);
  };
  if (model.version !== SCHEMA_VERSION) {
    fail(
      'unsupported-version',
      `model version ${model.version}, only ${SCHEMA_VERSION} is written`,
    );
  }
  if (model.buffers.length === 0 || model.buffers[0].data.length !== 0) {
    fail('bad-sentinel', 'buffer 0 must exist and be empty (the sentinel of tensors without data)');
  }
  model.operatorCodes.forEach((c, i) => {
    const code = builtinCode(c.builtin);
    if (code === undefined) fail('unknown-operator', `operator code ${i}: unknown "${c.builtin}"`);
    if (code !== c.code) {
      fail('unknown-operator', `operator code ${i}: ${c.builtin} has code ${code}, not ${c.code}`);
    }
    if (!isInt32(c.version) || c.version < 1) {
      fail('bad-value', `operator code ${i} (${c.builtin}): version ${c.version}`);
    }
  });
  if (model.subgraphs.length === 0) fail('empty-subgraph', 'the model has no subgraph');
  model.subgraphs.forEach((sg, s) => validateSubgraph(model, sg, `subgraph ${s}`, fail));
}

function validateSubgraph(
  model: Model,
  sg: Subgraph,
  where: string,
  fail: (code: ModelErrorCode, detail: string) => never,
): void {
  const n = sg.tensors.length;
  sg.tensors.forEach((t, i) => {
    const at = `${where}: tensor ${i} ${JSON.stringify(t.name)}`;
    if (!TENSOR_TYPES.includes(t.type)) fail('unknown-type', `${at}: unknown type "${t.type}"`);
    for (const d of t.shape) {
      if (!isInt32(d)) fail('bad-value', `${at}: dimension ${d} in shape [${t.shape}]`);
      if (d < 0) fail('negative-dimension', `${at}: negative dimension ${d} in shape [${t.shape}]`);
    }
    for (const d of t.shapeSignature ?? []) {
      if (!isInt32(d) || d < -1) {
        fail('negative-dimension', `${at}: dimension ${d} in shape_signature`);
      }
    }
    if (!Number.isInteger(t.buffer) || t.buffer < 0 || t.buffer >= model.buffers.length) {
      fail('bad-index', `${at}: buffer index ${t.buffer} out of range (${model.buffers.length})`);
    }
    const bytes = model.buffers[t.buffer].data.length;
    const expected = elementBytes(
      t.type,
      t.shape.reduce((a, b) => a * b, 1),
    );
    if (bytes > 0 && expected !== undefined && bytes !== expected) {
      fail(
        'buffer-size-mismatch',
        `${at}: buffer ${t.buffer} holds ${bytes} bytes, needs ${expected}`,
      );
    }
    if (t.quantization !== undefined) validateQuantization(t.quantization, t.shape, at, fail);
  });
  const checkIndices = (list: number[], what: string, allowOmitted: boolean): void => {
    for (const x of list) {
      if (!Number.isInteger(x) || x >= n || x < (allowOmitted ? -1 : 0)) {
        fail('bad-index', `${what} tensor index ${x} out of range (${n} tensors)`);
      }
    }
  };
  checkIndices(sg.inputs, `${where}: input`, false);
  checkIndices(sg.outputs, `${where}: output`, false);
  if (sg.operators.length === 0) fail('empty-subgraph', `${where} has no operators`);
  sg.operators.forEach((op, i) => {
    const code = model.operatorCodes[op.opcodeIndex];
    if (!Number.isInteger(op.opcodeIndex) || code === undefined) {
      fail('bad-index', `${where}: operator ${i}: opcode_index ${op.opcodeIndex} out of range`);
    }
    const at = `${where}: operator ${i} (${code.builtin})`;
    checkIndices(op.inputs, `${at}: input`, true);
    checkIndices(op.outputs, `${at}: output`, true);
    if (op.options?.kind === 'Unknown') {
      fail('unwritable-options', `${at}: options of union type ${op.options.type} are not kept`);
    }
  });
}

function validateQuantization(
  q: Quantization,
  shape: number[],
  at: string,
  fail: (code: ModelErrorCode, detail: string) => never,
): void {
  if (q.scale.length !== q.zeroPoint.length) {
    fail(
      'bad-quantization',
      `${at}: ${q.scale.length} scales but ${q.zeroPoint.length} zero points`,
    );
  }
  if (!q.zeroPoint.every(Number.isSafeInteger)) {
    fail('bad-quantization', `${at}: zero points must be integers`);
  }
  if (q.scale.length > 1 && shape[q.quantizedDimension] !== q.scale.length) {
    fail(
      'bad-quantization',
      `${at}: ${q.scale.length} scales for dimension ${q.quantizedDimension} of shape [${shape}]`,
    );
  }
}
