// Reads a .tflite flatbuffer into the plain Model of types.ts. Every offset and length is
// checked before use (flatbuffer-view.ts), every index is checked against what it indexes,
// and every problem is a ModelError naming the file and the place.

import { FlatView, type Table } from './flatbuffer-view.ts';
import { readOptions } from './options-codec.ts';
import { F, FILE_IDENTIFIER, SCHEMA_VERSION, builtinName, elementBytes } from './tflite-schema.ts';
import {
  TENSOR_TYPES,
  type Buffer,
  type Model,
  type Operator,
  type OperatorCode,
  type Quantization,
  type Subgraph,
  type Tensor,
} from './types.ts';

/** Parses `bytes` (a whole .tflite file). `source` names the file in error messages. */
export function readModel(bytes: Uint8Array, source = '<memory>'): Model {
  const v = new FlatView(bytes, source);
  const root = v.root(FILE_IDENTIFIER);
  const version = v.uint32(root, F.Model.version, 'version', 0);
  if (version !== SCHEMA_VERSION) {
    v.fail('unsupported-version', `schema version ${version}, only ${SCHEMA_VERSION} is read`);
  }
  const operatorCodes = v
    .tables(root, F.Model.operatorCodes, 'operator_codes', (i) => `operator code ${i}`)
    .map((t) => readOperatorCode(v, t));
  const buffers = v
    .tables(root, F.Model.buffers, 'buffers', (i) => `buffer ${i}`)
    .map((t) => readBuffer(v, t));
  const subgraphTables = v.tables(root, F.Model.subgraphs, 'subgraphs', (i) => `subgraph ${i}`);
  if (subgraphTables.length === 0) v.fail('empty-subgraph', 'the model has no subgraph');
  const subgraphs = subgraphTables.map((t, i) => readSubgraph(v, t, i, operatorCodes, buffers));
  return {
    version,
    description: v.string(root, F.Model.description, 'description'),
    operatorCodes,
    subgraphs,
    buffers,
  };
}

function readOperatorCode(v: FlatView, t: Table): OperatorCode {
  const deprecated = v.int8(t, F.OperatorCode.deprecatedBuiltinCode, 'deprecated_builtin_code', 0);
  const extended = v.int32(t, F.OperatorCode.builtinCode, 'builtin_code', 0);
  // Old converters wrote only the byte field, new ones write both (the byte capped at 127).
  const code = Math.max(deprecated, extended);
  const builtin = builtinName(code);
  if (builtin === undefined) v.fail('unknown-operator', `${t.where}: unknown builtin code ${code}`);
  const out: OperatorCode = {
    builtin,
    code,
    version: v.int32(t, F.OperatorCode.version, 'version', 1),
  };
  if (v.field(t, F.OperatorCode.customCode, 4, 'custom_code') !== 0) {
    out.customCode = v.string(t, F.OperatorCode.customCode, 'custom_code');
  }
  return out;
}

function readBuffer(v: FlatView, t: Table): Buffer {
  // Files past 2 GB (and some converters) keep the data after the flatbuffer; offset and
  // size then locate it in the file. The schema says the offset is valid only if > 1.
  const offset = v.uint64(t, F.Buffer.offset, 'offset');
  if (offset > 1) {
    const size = v.uint64(t, F.Buffer.size, 'size');
    if (offset >= v.size) {
      v.fail(
        'offset-out-of-range',
        `${t.where}: external data offset ${offset} past the end of the file (${v.size} bytes)`,
      );
    }
    if (offset + size > v.size) {
      v.fail(
        'truncated',
        `${t.where}: external data [${offset}, ${offset + size}) runs past the end of the file (${v.size} bytes)`,
      );
    }
    v.spend(size, t.where, 'external data');
    return { data: v.bytes.slice(offset, offset + size) };
  }
  const d = v.vector(t, F.Buffer.data, 1, 'data');
  // One copy, so that the Model never aliases bytes the caller may reuse.
  return { data: d === null ? new Uint8Array(0) : v.bytes.slice(d.start, d.start + d.length) };
}

function readSubgraph(
  v: FlatView,
  t: Table,
  index: number,
  operatorCodes: OperatorCode[],
  buffers: Buffer[],
): Subgraph {
  // Most models have one subgraph: name it only when there are others, to keep messages short.
  const prefix = index === 0 ? '' : `subgraph ${index}: `;
  const tensors = v
    .tables(t, F.SubGraph.tensors, 'tensors', (i) => `${prefix}tensor ${i}`)
    .map((tt) => readTensor(v, tt, buffers));
  const where = `subgraph ${index}`;
  const ioIndices = (id: number, name: string): number[] => {
    const list = v.int32s(t, id, name) ?? [];
    list.forEach((x, k) => {
      if (x < 0 || x >= tensors.length) {
        v.fail(
          'bad-index',
          `${where}: ${name}[${k}]: tensor index ${x} out of range (${tensors.length} tensors)`,
        );
      }
    });
    return list;
  };
  const inputs = ioIndices(F.SubGraph.inputs, 'inputs');
  const outputs = ioIndices(F.SubGraph.outputs, 'outputs');
  const operatorTables = v.tables(
    t,
    F.SubGraph.operators,
    'operators',
    (i) => `${prefix}operator ${i}`,
  );
  if (operatorTables.length === 0) v.fail('empty-subgraph', `${where} has no operators`);
  const operators = operatorTables.map((ot) => readOperator(v, ot, operatorCodes, tensors.length));
  return { name: v.string(t, F.SubGraph.name, 'name'), tensors, inputs, outputs, operators };
}

function readTensor(v: FlatView, t: Table, buffers: Buffer[]): Tensor {
  const name = v.string(t, F.Tensor.name, 'name');
  const where = `${t.where} ${JSON.stringify(name)}`;
  const shape = v.int32s(t, F.Tensor.shape, 'shape') ?? [];
  if (shape.some((d) => d < 0)) {
    const bad = shape.find((d) => d < 0);
    v.fail('negative-dimension', `${where}: negative dimension ${bad} in shape [${shape}]`);
  }
  const typeCode = v.int8(t, F.Tensor.type, 'type', 0);
  const type = TENSOR_TYPES[typeCode];
  if (type === undefined) v.fail('unknown-type', `${where}: unknown tensor type ${typeCode}`);
  if (v.field(t, F.Tensor.sparsity, 4, 'sparsity') !== 0) {
    // The Model has no place for the sparse index metadata; reading the compressed values
    // as a dense tensor would silently misreport its size and contents.
    v.fail('unsupported', `${where}: sparse tensors are not supported`);
  }
  const buffer = v.uint32(t, F.Tensor.buffer, 'buffer', 0);
  if (buffer >= buffers.length) {
    v.fail(
      'bad-index',
      `${where}: buffer index ${buffer} out of range (${buffers.length} buffers)`,
    );
  }
  const data = buffers[buffer].data;
  if (data.length > 0) {
    // Analysis and the engine index constants by shape: a size mismatch must stop here.
    const expected = elementBytes(
      type,
      shape.reduce((a, b) => a * b, 1),
    );
    if (expected !== undefined && expected !== data.length) {
      v.fail(
        'buffer-size-mismatch',
        `${where}: buffer ${buffer} holds ${data.length} bytes, shape [${shape}] of ${type} needs ${expected}`,
      );
    }
  }
  const out: Tensor = {
    name,
    shape,
    type,
    buffer,
    isVariable: v.bool(t, F.Tensor.isVariable, 'is_variable', false),
  };
  const q = v.subtable(t, F.Tensor.quantization, 'quantization', `${where}: quantization`);
  const quantization = q === null ? undefined : readQuantization(v, q, shape);
  if (quantization !== undefined) out.quantization = quantization;
  const signature = v.int32s(t, F.Tensor.shapeSignature, 'shape_signature');
  if (signature !== null) {
    const bad = signature.find((d) => d < -1);
    if (bad !== undefined) {
      v.fail('negative-dimension', `${where}: dimension ${bad} in shape_signature [${signature}]`);
    }
    out.shapeSignature = signature;
  }
  return out;
}

/** Undefined for the empty table converters attach to float tensors. */
function readQuantization(v: FlatView, t: Table, shape: number[]): Quantization | undefined {
  const P = F.QuantizationParameters;
  const scale = v.float32s(t, P.scale, 'scale') ?? [];
  const zeroPoint = v.int64s(t, P.zeroPoint, 'zero_point') ?? [];
  const min = v.float32s(t, P.min, 'min') ?? [];
  const max = v.float32s(t, P.max, 'max') ?? [];
  const quantizedDimension = v.int32(t, P.quantizedDimension, 'quantized_dimension', 0);
  if (scale.length === 0 && zeroPoint.length === 0 && min.length === 0 && max.length === 0) {
    return undefined;
  }
  if (scale.length !== zeroPoint.length) {
    v.fail(
      'bad-quantization',
      `${t.where}: ${scale.length} scales but ${zeroPoint.length} zero points`,
    );
  }
  if (scale.length > 1) {
    // Per-channel: one scale per slice along quantized_dimension.
    if (quantizedDimension < 0 || quantizedDimension >= shape.length) {
      v.fail(
        'bad-quantization',
        `${t.where}: quantized_dimension ${quantizedDimension} outside shape [${shape}]`,
      );
    }
    if (shape[quantizedDimension] !== scale.length) {
      v.fail(
        'bad-quantization',
        `${t.where}: ${scale.length} scales for dimension ${quantizedDimension} of shape [${shape}]`,
      );
    }
  }
  const out: Quantization = { scale, zeroPoint, quantizedDimension };
  if (min.length > 0) out.min = min;
  if (max.length > 0) out.max = max;
  return out;
}

function readOperator(
  v: FlatView,
  t: Table,
  operatorCodes: OperatorCode[],
  tensorCount: number,
): Operator {
  const opcodeIndex = v.uint32(t, F.Operator.opcodeIndex, 'opcode_index', 0);
  if (opcodeIndex >= operatorCodes.length) {
    v.fail(
      'bad-index',
      `${t.where}: opcode_index ${opcodeIndex} out of range (${operatorCodes.length} operator codes)`,
    );
  }
  const op = operatorCodes[opcodeIndex].builtin;
  const where = `${t.where} (${op})`;
  const indices = (id: number, name: string): number[] => {
    const list = v.int32s(t, id, name) ?? [];
    for (const x of list) {
      // -1 marks an omitted optional tensor (e.g. a convolution without bias).
      if (x < -1 || x >= tensorCount) {
        const what = name === 'inputs' ? 'input' : 'output';
        v.fail(
          'bad-index',
          `${where}: ${what} tensor index ${x} out of range (${tensorCount} tensors)`,
        );
      }
    }
    return list;
  };
  const inputs = indices(F.Operator.inputs, 'inputs');
  const outputs = indices(F.Operator.outputs, 'outputs');
  const type = v.uint8(t, F.Operator.builtinOptionsType, 'builtin_options_type', 0);
  const table =
    type === 0
      ? null
      : v.subtable(t, F.Operator.builtinOptions, 'builtin_options', `${where}: options`);
  const options = type === 0 ? null : readOptions(v, type, table, `${where}: options`);
  return { opcodeIndex, inputs, outputs, options };
}
