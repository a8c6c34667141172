// The builtin options tables the engine's operators use, both directions: decoding from a
// bounds-checked view (absent fields read as their schema defaults) and encoding with the
// flatbuffers Builder (fields equal to their default are left out, as converters do).

import type { Builder } from 'flatbuffers';
import { ModelError } from './errors.ts';
import type { FlatView, Table } from './flatbuffer-view.ts';
import { F, FIELD_COUNT, OPTIONS } from './tflite-schema.ts';
import { ACTIVATIONS, type Activation, type BuiltinOptions, type Padding } from './types.ts';

/** Stands in for an absent options table: every field reads as its schema default. */
const EMPTY_TABLE: Table = { pos: 0, vtable: 0, vtableSize: 0, tableSize: 0, where: '' };

export function readOptions(
  v: FlatView,
  type: number,
  t: Table | null,
  where: string,
): BuiltinOptions {
  const o = t ?? { ...EMPTY_TABLE, where };
  const padding = (id: number): Padding => {
    const x = v.int8(o, id, 'padding', 0);
    if (x !== 0 && x !== 1) v.fail('bad-enum', `${where}: padding ${x} is neither SAME nor VALID`);
    return x === 0 ? 'SAME' : 'VALID';
  };
  const activation = (id: number): Activation => {
    const x = v.int8(o, id, 'fused_activation_function', 0);
    const a = ACTIVATIONS[x];
    if (a === undefined) v.fail('bad-enum', `${where}: unknown fused activation ${x}`);
    return a;
  };
  const int = (id: number, name: string, dflt = 0): number => v.int32(o, id, name, dflt);
  const bool = (id: number, name: string, dflt = false): boolean => v.bool(o, id, name, dflt);
  switch (type) {
    case OPTIONS.Conv2DOptions: {
      const C = F.Conv2DOptions;
      return {
        kind: 'Conv2DOptions',
        padding: padding(C.padding),
        strideW: int(C.strideW, 'stride_w'),
        strideH: int(C.strideH, 'stride_h'),
        activation: activation(C.activation),
        dilationW: int(C.dilationW, 'dilation_w_factor', 1),
        dilationH: int(C.dilationH, 'dilation_h_factor', 1),
      };
    }
    case OPTIONS.DepthwiseConv2DOptions: {
      const D = F.DepthwiseConv2DOptions;
      return {
        kind: 'DepthwiseConv2DOptions',
        padding: padding(D.padding),
        strideW: int(D.strideW, 'stride_w'),
        strideH: int(D.strideH, 'stride_h'),
        depthMultiplier: int(D.depthMultiplier, 'depth_multiplier'),
        activation: activation(D.activation),
        dilationW: int(D.dilationW, 'dilation_w_factor', 1),
        dilationH: int(D.dilationH, 'dilation_h_factor', 1),
      };
    }
    case OPTIONS.FullyConnectedOptions: {
      const FC = F.FullyConnectedOptions;
      const format = v.int8(o, FC.weightsFormat, 'weights_format', 0);
      if (format !== 0 && format !== 1) v.fail('bad-enum', `${where}: weights_format ${format}`);
      return {
        kind: 'FullyConnectedOptions',
        activation: activation(FC.activation),
        weightsFormat: format === 0 ? 'DEFAULT' : 'SHUFFLED4x16INT8',
        keepNumDims: bool(FC.keepNumDims, 'keep_num_dims'),
        asymmetricQuantizeInputs: bool(FC.asymmetricQuantizeInputs, 'asymmetric_quantize_inputs'),
      };
    }
    case OPTIONS.Pool2DOptions: {
      const P = F.Pool2DOptions;
      return {
        kind: 'Pool2DOptions',
        padding: padding(P.padding),
        strideW: int(P.strideW, 'stride_w'),
        strideH: int(P.strideH, 'stride_h'),
        filterW: int(P.filterW, 'filter_width'),
        filterH: int(P.filterH, 'filter_height'),
        activation: activation(P.activation),
      };
    }
    case OPTIONS.AddOptions:
      return {
        kind: 'AddOptions',
        activation: activation(F.AddOptions.activation),
        potScaleInt16: bool(F.AddOptions.potScaleInt16, 'pot_scale_int16', true),
      };
    case OPTIONS.MulOptions:
      return { kind: 'MulOptions', activation: activation(F.MulOptions.activation) };
    case OPTIONS.ReshapeOptions: {
      const newShape = v.int32s(o, F.ReshapeOptions.newShape, 'new_shape') ?? [];
      return { kind: 'ReshapeOptions', newShape };
    }
    case OPTIONS.SoftmaxOptions:
      return { kind: 'SoftmaxOptions', beta: v.float32(o, F.SoftmaxOptions.beta, 'beta', 0) };
    case OPTIONS.ReducerOptions:
      return { kind: 'ReducerOptions', keepDims: bool(F.ReducerOptions.keepDims, 'keep_dims') };
    case OPTIONS.ConcatenationOptions:
      return {
        kind: 'ConcatenationOptions',
        axis: int(F.ConcatenationOptions.axis, 'axis'),
        activation: activation(F.ConcatenationOptions.activation),
      };
    case OPTIONS.PadOptions:
      return { kind: 'PadOptions' };
    case OPTIONS.QuantizeOptions:
      return { kind: 'QuantizeOptions' };
    case OPTIONS.DequantizeOptions:
      return { kind: 'DequantizeOptions' };
    default:
      return { kind: 'Unknown', type };
  }
}

const act = (a: (typeof ACTIVATIONS)[number]): number => ACTIVATIONS.indexOf(a);
const pad = (p: 'SAME' | 'VALID'): number => (p === 'SAME' ? 0 : 1);

/** Writes an options table; returns it with its union type number. */
export function writeOptions(b: Builder, o: BuiltinOptions): { type: number; table: number } {
  switch (o.kind) {
    case 'Conv2DOptions': {
      const C = F.Conv2DOptions;
      b.startObject(FIELD_COUNT.Conv2DOptions);
      b.addFieldInt8(C.padding, pad(o.padding), 0);
      b.addFieldInt32(C.strideW, o.strideW, 0);
      b.addFieldInt32(C.strideH, o.strideH, 0);
      b.addFieldInt8(C.activation, act(o.activation), 0);
      b.addFieldInt32(C.dilationW, o.dilationW, 1);
      b.addFieldInt32(C.dilationH, o.dilationH, 1);
      return { type: OPTIONS.Conv2DOptions, table: b.endObject() };
    }
    case 'DepthwiseConv2DOptions': {
      const D = F.DepthwiseConv2DOptions;
      b.startObject(FIELD_COUNT.DepthwiseConv2DOptions);
      b.addFieldInt8(D.padding, pad(o.padding), 0);
      b.addFieldInt32(D.strideW, o.strideW, 0);
      b.addFieldInt32(D.strideH, o.strideH, 0);
      b.addFieldInt32(D.depthMultiplier, o.depthMultiplier, 0);
      b.addFieldInt8(D.activation, act(o.activation), 0);
      b.addFieldInt32(D.dilationW, o.dilationW, 1);
      b.addFieldInt32(D.dilationH, o.dilationH, 1);
      return { type: OPTIONS.DepthwiseConv2DOptions, table: b.endObject() };
    }
    case 'FullyConnectedOptions': {
      const FC = F.FullyConnectedOptions;
      b.startObject(FIELD_COUNT.FullyConnectedOptions);
      b.addFieldInt8(FC.activation, act(o.activation), 0);
      b.addFieldInt8(FC.weightsFormat, o.weightsFormat === 'DEFAULT' ? 0 : 1, 0);
      b.addFieldInt8(FC.keepNumDims, o.keepNumDims ? 1 : 0, 0);
      b.addFieldInt8(FC.asymmetricQuantizeInputs, o.asymmetricQuantizeInputs ? 1 : 0, 0);
      return { type: OPTIONS.FullyConnectedOptions, table: b.endObject() };
    }
    case 'Pool2DOptions': {
      const P = F.Pool2DOptions;
      b.startObject(FIELD_COUNT.Pool2DOptions);
      b.addFieldInt8(P.padding, pad(o.padding), 0);
      b.addFieldInt32(P.strideW, o.strideW, 0);
      b.addFieldInt32(P.strideH, o.strideH, 0);
      b.addFieldInt32(P.filterW, o.filterW, 0);
      b.addFieldInt32(P.filterH, o.filterH, 0);
      b.addFieldInt8(P.activation, act(o.activation), 0);
      return { type: OPTIONS.Pool2DOptions, table: b.endObject() };
    }
    case 'AddOptions':
      b.startObject(FIELD_COUNT.AddOptions);
      b.addFieldInt8(F.AddOptions.activation, act(o.activation), 0);
      b.addFieldInt8(F.AddOptions.potScaleInt16, o.potScaleInt16 ? 1 : 0, 1);
      return { type: OPTIONS.AddOptions, table: b.endObject() };
    case 'MulOptions':
      b.startObject(FIELD_COUNT.MulOptions);
      b.addFieldInt8(F.MulOptions.activation, act(o.activation), 0);
      return { type: OPTIONS.MulOptions, table: b.endObject() };
    case 'ReshapeOptions': {
      b.startVector(4, o.newShape.length, 4);
      for (let i = o.newShape.length - 1; i >= 0; i--) b.addInt32(o.newShape[i]);
      const newShape = b.endVector();
      b.startObject(FIELD_COUNT.ReshapeOptions);
      b.addFieldOffset(F.ReshapeOptions.newShape, newShape, 0);
      return { type: OPTIONS.ReshapeOptions, table: b.endObject() };
    }
    case 'SoftmaxOptions':
      b.startObject(FIELD_COUNT.SoftmaxOptions);
      b.addFieldFloat32(F.SoftmaxOptions.beta, o.beta, 0);
      return { type: OPTIONS.SoftmaxOptions, table: b.endObject() };
    case 'ReducerOptions':
      b.startObject(FIELD_COUNT.ReducerOptions);
      b.addFieldInt8(F.ReducerOptions.keepDims, o.keepDims ? 1 : 0, 0);
      return { type: OPTIONS.ReducerOptions, table: b.endObject() };
    case 'ConcatenationOptions':
      b.startObject(FIELD_COUNT.ConcatenationOptions);
      b.addFieldInt32(F.ConcatenationOptions.axis, o.axis, 0);
      b.addFieldInt8(F.ConcatenationOptions.activation, act(o.activation), 0);
      return { type: OPTIONS.ConcatenationOptions, table: b.endObject() };
    case 'PadOptions':
    case 'QuantizeOptions':
    case 'DequantizeOptions':
      b.startObject(0);
      return { type: OPTIONS[o.kind], table: b.endObject() };
    case 'Unknown':
      // validateModel refuses these; reaching here is a bug in the validation.
      throw new ModelError('unwritable-options', '<model>', `options of union type ${o.type}`);
  }
}
