// Writes a Model as a .tflite flatbuffer the way current converters do: identifier "TFL3",
// schema version 3, buffer 0 empty, both operator-code fields set, constant data aligned to
// 16 bytes (the engine reads int32 and float32 weights in place). The model is validated
// first, so the writer never produces a file the reader would refuse.

import { Builder } from 'flatbuffers';
import { ModelError } from './errors.ts';
import {
  F,
  FIELD_COUNT,
  FILE_IDENTIFIER,
  PLACEHOLDER_FOR_GREATER_OP_CODES,
  SCHEMA_VERSION,
} from './tflite-schema.ts';
import {
  TENSOR_TYPES,
  type Model,
  type Operator,
  type Quantization,
  type Tensor,
} from './types.ts';
import { writeOptions } from './options-codec.ts';
import { validateModel } from './validate.ts';

export interface WriteOptions {
  /**
   * Store constant data after the flatbuffer, located by Buffer.offset/size, as converters do
   * for models past 2 GB. Default false: data lives inside the flatbuffer.
   */
  externalBuffers?: boolean;
  /** Names the model in error messages. Default '<model>'. */
  source?: string;
}

/** Alignment of constant data, in the flatbuffer and after it (schema: force_align 16). */
const DATA_ALIGN = 16;

const align = (n: number): number => Math.ceil(n / DATA_ALIGN) * DATA_ALIGN;

/** Serialises `model`; throws ModelError when the model is inconsistent. */
export function writeModel(model: Model, options: WriteOptions = {}): Uint8Array {
  validateModel(model, options.source ?? '<model>');
  if (!options.externalBuffers) return build(model, null).slice();
  // External data offsets count from the start of the file, so they depend on the size of
  // the flatbuffer; that size does not depend on the offsets' values (fixed-width fields),
  // so a first pass with placeholders measures it and the second pass writes the real ones.
  const placeholders = model.buffers.map((b) => (b.data.length > 0 ? 2 : 0));
  const size = build(model, placeholders).length;
  let at = align(size);
  const offsets = model.buffers.map((b) => {
    if (b.data.length === 0) return 0;
    const here = at;
    at = align(at + b.data.length);
    return here;
  });
  const flat = build(model, offsets);
  if (flat.length !== size) {
    throw new ModelError('bad-value', options.source ?? '<model>', 'external layout changed size');
  }
  const out = new Uint8Array(at);
  out.set(flat, 0);
  model.buffers.forEach((b, i) => out.set(b.data, offsets[i]));
  return out;
}

/** One flatbuffer; `external[i]` > 0 puts buffer i's data at that file offset instead. */
function build(model: Model, external: number[] | null): Uint8Array {
  const dataBytes = external ? 0 : model.buffers.reduce((n, b) => n + align(b.data.length), 0);
  const b = new Builder(dataBytes + 65536);

  // Buffers first: the builder fills from the end, so the bulk data ends up last in the file.
  const buffers = model.buffers.map((buf, i) => {
    let data = 0;
    if (external === null && buf.data.length > 0) {
      // Pre-align so that the bytes (not the length prefix) start on a 16-byte boundary.
      b.prep(DATA_ALIGN, buf.data.length);
      data = b.createByteVector(buf.data);
    }
    b.startObject(FIELD_COUNT.Buffer);
    if (data !== 0) b.addFieldOffset(F.Buffer.data, data, 0);
    if (external !== null && external[i] > 0) {
      b.addFieldInt64(F.Buffer.offset, BigInt(external[i]), 0n);
      b.addFieldInt64(F.Buffer.size, BigInt(buf.data.length), 0n);
    }
    return b.endObject();
  });

  const codes = model.operatorCodes.map((c) => {
    const custom = c.customCode === undefined ? 0 : b.createString(c.customCode);
    b.startObject(FIELD_COUNT.OperatorCode);
    const deprecated = Math.min(c.code, PLACEHOLDER_FOR_GREATER_OP_CODES);
    b.addFieldInt8(F.OperatorCode.deprecatedBuiltinCode, deprecated, 0);
    if (custom !== 0) b.addFieldOffset(F.OperatorCode.customCode, custom, 0);
    b.addFieldInt32(F.OperatorCode.version, c.version, 1);
    b.addFieldInt32(F.OperatorCode.builtinCode, c.code, 0);
    return b.endObject();
  });

  const subgraphs = model.subgraphs.map((sg) => {
    const tensors = sg.tensors.map((t) => writeTensor(b, t));
    const operators = sg.operators.map((op) => writeOperator(b, op));
    const tensorsVec = offsetVector(b, tensors);
    const inputs = int32Vector(b, sg.inputs);
    const outputs = int32Vector(b, sg.outputs);
    const operatorsVec = offsetVector(b, operators);
    const name = b.createString(sg.name);
    b.startObject(FIELD_COUNT.SubGraph);
    b.addFieldOffset(F.SubGraph.tensors, tensorsVec, 0);
    b.addFieldOffset(F.SubGraph.inputs, inputs, 0);
    b.addFieldOffset(F.SubGraph.outputs, outputs, 0);
    b.addFieldOffset(F.SubGraph.operators, operatorsVec, 0);
    b.addFieldOffset(F.SubGraph.name, name, 0);
    return b.endObject();
  });

  const codesVec = offsetVector(b, codes);
  const subgraphsVec = offsetVector(b, subgraphs);
  const description = b.createString(model.description);
  const buffersVec = offsetVector(b, buffers);
  b.startObject(FIELD_COUNT.Model);
  b.addFieldInt32(F.Model.version, SCHEMA_VERSION, 0);
  b.addFieldOffset(F.Model.operatorCodes, codesVec, 0);
  b.addFieldOffset(F.Model.subgraphs, subgraphsVec, 0);
  b.addFieldOffset(F.Model.description, description, 0);
  b.addFieldOffset(F.Model.buffers, buffersVec, 0);
  b.finish(b.endObject(), FILE_IDENTIFIER);
  return b.asUint8Array();
}

function writeTensor(b: Builder, t: Tensor): number {
  const shape = int32Vector(b, t.shape);
  const name = b.createString(t.name);
  const q = t.quantization === undefined ? 0 : writeQuantization(b, t.quantization);
  const signature = t.shapeSignature === undefined ? 0 : int32Vector(b, t.shapeSignature);
  b.startObject(FIELD_COUNT.Tensor);
  b.addFieldOffset(F.Tensor.shape, shape, 0);
  b.addFieldInt8(F.Tensor.type, TENSOR_TYPES.indexOf(t.type), 0);
  b.addFieldInt32(F.Tensor.buffer, t.buffer, 0);
  b.addFieldOffset(F.Tensor.name, name, 0);
  if (q !== 0) b.addFieldOffset(F.Tensor.quantization, q, 0);
  b.addFieldInt8(F.Tensor.isVariable, t.isVariable ? 1 : 0, 0);
  if (signature !== 0) b.addFieldOffset(F.Tensor.shapeSignature, signature, 0);
  // New converters mark every tensor with a known shape so, telling scalars from unranked.
  b.addFieldInt8(F.Tensor.hasRank, 1, 0);
  return b.endObject();
}

function writeQuantization(b: Builder, q: Quantization): number {
  const min = q.min === undefined ? 0 : float32Vector(b, q.min);
  const max = q.max === undefined ? 0 : float32Vector(b, q.max);
  const scale = float32Vector(b, q.scale);
  b.startVector(8, q.zeroPoint.length, 8);
  for (let i = q.zeroPoint.length - 1; i >= 0; i--) b.addInt64(BigInt(q.zeroPoint[i]));
  const zeroPoint = b.endVector();
  const P = F.QuantizationParameters;
  b.startObject(FIELD_COUNT.QuantizationParameters);
  if (min !== 0) b.addFieldOffset(P.min, min, 0);
  if (max !== 0) b.addFieldOffset(P.max, max, 0);
  b.addFieldOffset(P.scale, scale, 0);
  b.addFieldOffset(P.zeroPoint, zeroPoint, 0);
  b.addFieldInt32(P.quantizedDimension, q.quantizedDimension, 0);
  return b.endObject();
}

function writeOperator(b: Builder, op: Operator): number {
  const inputs = int32Vector(b, op.inputs);
  const outputs = int32Vector(b, op.outputs);
  const options = op.options === null ? null : writeOptions(b, op.options);
  b.startObject(FIELD_COUNT.Operator);
  b.addFieldInt32(F.Operator.opcodeIndex, op.opcodeIndex, 0);
  b.addFieldOffset(F.Operator.inputs, inputs, 0);
  b.addFieldOffset(F.Operator.outputs, outputs, 0);
  if (options !== null) {
    b.addFieldInt8(F.Operator.builtinOptionsType, options.type, 0);
    b.addFieldOffset(F.Operator.builtinOptions, options.table, 0);
  }
  return b.endObject();
}

function int32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]);
  return b.endVector();
}

function float32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
  return b.endVector();
}

function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
  return b.endVector();
}
