// Facts of the published TFLite schema (tensorflow/lite/schema/schema.fbs): BuiltinOperator
// codes, BuiltinOptions union numbers and the field ids of every table the reader and
// writer touch. Field ids are positions in the table declaration (a union takes two: its
// `_type` byte, then the value), so a mistake here silently reads the wrong field: the
// tests pin the ones that matter against real converter output.

/** BuiltinOperator names in code order: BUILTIN_OPERATORS_DENSE[code] is the name, for 0..209. */
const BUILTIN_OPERATORS_DENSE = [
  'ADD',
  'AVERAGE_POOL_2D',
  'CONCATENATION',
  'CONV_2D',
  'DEPTHWISE_CONV_2D',
  'DEPTH_TO_SPACE',
  'DEQUANTIZE',
  'EMBEDDING_LOOKUP',
  'FLOOR',
  'FULLY_CONNECTED',
  'HASHTABLE_LOOKUP', // 10
  'L2_NORMALIZATION',
  'L2_POOL_2D',
  'LOCAL_RESPONSE_NORMALIZATION',
  'LOGISTIC',
  'LSH_PROJECTION',
  'LSTM',
  'MAX_POOL_2D',
  'MUL',
  'RELU',
  'RELU_N1_TO_1', // 20
  'RELU6',
  'RESHAPE',
  'RESIZE_BILINEAR',
  'RNN',
  'SOFTMAX',
  'SPACE_TO_DEPTH',
  'SVDF',
  'TANH',
  'CONCAT_EMBEDDINGS',
  'SKIP_GRAM', // 30
  'CALL',
  'CUSTOM',
  'EMBEDDING_LOOKUP_SPARSE',
  'PAD',
  'UNIDIRECTIONAL_SEQUENCE_RNN',
  'GATHER',
  'BATCH_TO_SPACE_ND',
  'SPACE_TO_BATCH_ND',
  'TRANSPOSE',
  'MEAN', // 40
  'SUB',
  'DIV',
  'SQUEEZE',
  'UNIDIRECTIONAL_SEQUENCE_LSTM',
  'STRIDED_SLICE',
  'BIDIRECTIONAL_SEQUENCE_RNN',
  'EXP',
  'TOPK_V2',
  'SPLIT',
  'LOG_SOFTMAX', // 50
  'DELEGATE',
  'BIDIRECTIONAL_SEQUENCE_LSTM',
  'CAST',
  'PRELU',
  'MAXIMUM',
  'ARG_MAX',
  'MINIMUM',
  'LESS',
  'NEG',
  'PADV2', // 60
  'GREATER',
  'GREATER_EQUAL',
  'LESS_EQUAL',
  'SELECT',
  'SLICE',
  'SIN',
  'TRANSPOSE_CONV',
  'SPARSE_TO_DENSE',
  'TILE',
  'EXPAND_DIMS', // 70
  'EQUAL',
  'NOT_EQUAL',
  'LOG',
  'SUM',
  'SQRT',
  'RSQRT',
  'SHAPE',
  'POW',
  'ARG_MIN',
  'FAKE_QUANT', // 80
  'REDUCE_PROD',
  'REDUCE_MAX',
  'PACK',
  'LOGICAL_OR',
  'ONE_HOT',
  'LOGICAL_AND',
  'LOGICAL_NOT',
  'UNPACK',
  'REDUCE_MIN',
  'FLOOR_DIV', // 90
  'REDUCE_ANY',
  'SQUARE',
  'ZEROS_LIKE',
  'FILL',
  'FLOOR_MOD',
  'RANGE',
  'RESIZE_NEAREST_NEIGHBOR',
  'LEAKY_RELU',
  'SQUARED_DIFFERENCE',
  'MIRROR_PAD', // 100
  'ABS',
  'SPLIT_V',
  'UNIQUE',
  'CEIL',
  'REVERSE_V2',
  'ADD_N',
  'GATHER_ND',
  'COS',
  'WHERE',
  'RANK', // 110
  'ELU',
  'REVERSE_SEQUENCE',
  'MATRIX_DIAG',
  'QUANTIZE',
  'MATRIX_SET_DIAG',
  'ROUND',
  'HARD_SWISH',
  'IF',
  'WHILE',
  'NON_MAX_SUPPRESSION_V4', // 120
  'NON_MAX_SUPPRESSION_V5',
  'SCATTER_ND',
  'SELECT_V2',
  'DENSIFY',
  'SEGMENT_SUM',
  'BATCH_MATMUL',
  'PLACEHOLDER_FOR_GREATER_OP_CODES',
  'CUMSUM',
  'CALL_ONCE',
  'BROADCAST_TO', // 130
  'RFFT2D',
  'CONV_3D',
  'IMAG',
  'REAL',
  'COMPLEX_ABS',
  'HASHTABLE',
  'HASHTABLE_FIND',
  'HASHTABLE_IMPORT',
  'HASHTABLE_SIZE',
  'REDUCE_ALL', // 140
  'CONV_3D_TRANSPOSE',
  'VAR_HANDLE',
  'READ_VARIABLE',
  'ASSIGN_VARIABLE',
  'BROADCAST_ARGS',
  'RANDOM_STANDARD_NORMAL',
  'BUCKETIZE',
  'RANDOM_UNIFORM',
  'MULTINOMIAL',
  'GELU', // 150
  'DYNAMIC_UPDATE_SLICE',
  'RELU_0_TO_1',
  'UNSORTED_SEGMENT_PROD',
  'UNSORTED_SEGMENT_MAX',
  'UNSORTED_SEGMENT_SUM',
  'ATAN2',
  'UNSORTED_SEGMENT_MIN',
  'SIGN',
  'BITCAST',
  'BITWISE_XOR', // 160
  'RIGHT_SHIFT',
  'STABLEHLO_LOGISTIC',
  'STABLEHLO_ADD',
  'STABLEHLO_DIVIDE',
  'STABLEHLO_MULTIPLY',
  'STABLEHLO_MAXIMUM',
  'STABLEHLO_RESHAPE',
  'STABLEHLO_CLAMP',
  'STABLEHLO_CONCATENATE',
  'STABLEHLO_BROADCAST_IN_DIM', // 170
  'STABLEHLO_CONVOLUTION',
  'STABLEHLO_SLICE',
  'STABLEHLO_CUSTOM_CALL',
  'STABLEHLO_REDUCE',
  'STABLEHLO_ABS',
  'STABLEHLO_AND',
  'STABLEHLO_COSINE',
  'STABLEHLO_EXPONENTIAL',
  'STABLEHLO_FLOOR',
  'STABLEHLO_LOG', // 180
  'STABLEHLO_MINIMUM',
  'STABLEHLO_NEGATE',
  'STABLEHLO_OR',
  'STABLEHLO_POWER',
  'STABLEHLO_REMAINDER',
  'STABLEHLO_RSQRT',
  'STABLEHLO_SELECT',
  'STABLEHLO_SUBTRACT',
  'STABLEHLO_TANH',
  'STABLEHLO_SCATTER', // 190
  'STABLEHLO_COMPARE',
  'STABLEHLO_CONVERT',
  'STABLEHLO_DYNAMIC_SLICE',
  'STABLEHLO_DYNAMIC_UPDATE_SLICE',
  'STABLEHLO_PAD',
  'STABLEHLO_IOTA',
  'STABLEHLO_DOT_GENERAL',
  'STABLEHLO_REDUCE_WINDOW',
  'STABLEHLO_SORT',
  'STABLEHLO_WHILE', // 200
  'STABLEHLO_GATHER',
  'STABLEHLO_TRANSPOSE',
  'DILATE',
  'STABLEHLO_RNG_BIT_GENERATOR',
  'REDUCE_WINDOW',
  'STABLEHLO_COMPOSITE',
  'STABLEHLO_SHIFT_LEFT',
  'STABLEHLO_CBRT',
  'STABLEHLO_CASE', // 209
] as const;

/** Codes outside the dense range that the schema declares. */
const BUILTIN_OPERATORS_SPARSE: ReadonlyArray<readonly [number, string]> = [
  [225, 'TEMP_STREAMING_CONV_2D'],
];

const CODE_TO_NAME = new Map<number, string>();
const NAME_TO_CODE = new Map<string, number>();
BUILTIN_OPERATORS_DENSE.forEach((name, code) => CODE_TO_NAME.set(code, name));
for (const [code, name] of BUILTIN_OPERATORS_SPARSE) CODE_TO_NAME.set(code, name);
for (const [code, name] of CODE_TO_NAME) NAME_TO_CODE.set(name, code);

/** Every BuiltinOperator code of the schema, ascending. */
export const BUILTIN_OPERATOR_CODES: readonly number[] = [...CODE_TO_NAME.keys()].sort(
  (a, b) => a - b,
);

/** The name of a BuiltinOperator code, or undefined when the schema has no such code. */
export function builtinName(code: number): string | undefined {
  return CODE_TO_NAME.get(code);
}

/** The code of a BuiltinOperator name ('CONV_2D' -> 3), or undefined. */
export function builtinCode(name: string): number | undefined {
  return NAME_TO_CODE.get(name);
}

/**
 * Old converters wrote the code into the byte `deprecated_builtin_code`; codes past 127 do
 * not fit, so new converters write min(code, 127) there and the full code in `builtin_code`.
 */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

/** The BuiltinOptions union members in declaration order; the union number is index + 1. */
const BUILTIN_OPTIONS_UNION = [
  'Conv2DOptions',
  'DepthwiseConv2DOptions',
  'ConcatEmbeddingsOptions',
  'LSHProjectionOptions',
  'Pool2DOptions',
  'SVDFOptions',
  'RNNOptions',
  'FullyConnectedOptions',
  'SoftmaxOptions',
  'ConcatenationOptions', // 10
  'AddOptions',
  'L2NormOptions',
  'LocalResponseNormalizationOptions',
  'LSTMOptions',
  'ResizeBilinearOptions',
  'CallOptions',
  'ReshapeOptions',
  'SkipGramOptions',
  'SpaceToDepthOptions',
  'EmbeddingLookupSparseOptions', // 20
  'MulOptions',
  'PadOptions',
  'GatherOptions',
  'BatchToSpaceNDOptions',
  'SpaceToBatchNDOptions',
  'TransposeOptions',
  'ReducerOptions',
  'SubOptions',
  'DivOptions',
  'SqueezeOptions', // 30
  'SequenceRNNOptions',
  'StridedSliceOptions',
  'ExpOptions',
  'TopKV2Options',
  'SplitOptions',
  'LogSoftmaxOptions',
  'CastOptions',
  'DequantizeOptions',
  'MaximumMinimumOptions',
  'ArgMaxOptions', // 40
  'LessOptions',
  'NegOptions',
  'PadV2Options',
  'GreaterOptions',
  'GreaterEqualOptions',
  'LessEqualOptions',
  'SelectOptions',
  'SliceOptions',
  'TransposeConvOptions',
  'SparseToDenseOptions', // 50
  'TileOptions',
  'ExpandDimsOptions',
  'EqualOptions',
  'NotEqualOptions',
  'ShapeOptions',
  'PowOptions',
  'ArgMinOptions',
  'FakeQuantOptions',
  'PackOptions',
  'LogicalOrOptions', // 60
  'OneHotOptions',
  'LogicalAndOptions',
  'LogicalNotOptions',
  'UnpackOptions',
  'FloorDivOptions',
  'SquareOptions',
  'ZerosLikeOptions',
  'FillOptions',
  'BidirectionalSequenceLSTMOptions',
  'BidirectionalSequenceRNNOptions', // 70
  'UnidirectionalSequenceLSTMOptions',
  'FloorModOptions',
  'RangeOptions',
  'ResizeNearestNeighborOptions',
  'LeakyReluOptions',
  'SquaredDifferenceOptions',
  'MirrorPadOptions',
  'AbsOptions',
  'SplitVOptions',
  'UniqueOptions', // 80
  'ReverseV2Options',
  'AddNOptions',
  'GatherNdOptions',
  'CosOptions',
  'WhereOptions',
  'RankOptions',
  'ReverseSequenceOptions',
  'MatrixDiagOptions',
  'QuantizeOptions',
  'MatrixSetDiagOptions', // 90
  'HardSwishOptions',
  'IfOptions',
  'WhileOptions',
  'DepthToSpaceOptions',
  'NonMaxSuppressionV4Options',
  'NonMaxSuppressionV5Options',
  'ScatterNdOptions',
  'SelectV2Options',
  'DensifyOptions',
  'SegmentSumOptions', // 100
  'BatchMatMulOptions',
  'CumsumOptions',
  'CallOnceOptions',
  'BroadcastToOptions',
  'Rfft2dOptions',
  'Conv3DOptions',
  'HashtableOptions',
  'HashtableFindOptions',
  'HashtableImportOptions',
  'HashtableSizeOptions', // 110
  'VarHandleOptions',
  'ReadVariableOptions',
  'AssignVariableOptions',
  'RandomOptions',
  'BucketizeOptions',
  'GeluOptions',
  'DynamicUpdateSliceOptions',
  'UnsortedSegmentProdOptions',
  'UnsortedSegmentMaxOptions',
  'UnsortedSegmentMinOptions', // 120
  'UnsortedSegmentSumOptions',
  'ATan2Options',
  'SignOptions',
  'BitcastOptions',
  'BitwiseXorOptions',
  'RightShiftOptions', // 126
] as const;

export type BuiltinOptionsName = (typeof BUILTIN_OPTIONS_UNION)[number];

/** The BuiltinOptions union number of an options table name (NONE is 0). */
export function optionsUnionType(name: BuiltinOptionsName): number {
  return BUILTIN_OPTIONS_UNION.indexOf(name) + 1;
}

/** The options table name of a union number, or undefined (0 = NONE, or past the schema). */
export function optionsUnionName(type: number): BuiltinOptionsName | undefined {
  return BUILTIN_OPTIONS_UNION[type - 1];
}

/** The union numbers the reader decodes, named for readability at the use site. */
export const OPTIONS = {
  Conv2DOptions: optionsUnionType('Conv2DOptions'),
  DepthwiseConv2DOptions: optionsUnionType('DepthwiseConv2DOptions'),
  Pool2DOptions: optionsUnionType('Pool2DOptions'),
  FullyConnectedOptions: optionsUnionType('FullyConnectedOptions'),
  SoftmaxOptions: optionsUnionType('SoftmaxOptions'),
  ConcatenationOptions: optionsUnionType('ConcatenationOptions'),
  AddOptions: optionsUnionType('AddOptions'),
  ReshapeOptions: optionsUnionType('ReshapeOptions'),
  MulOptions: optionsUnionType('MulOptions'),
  PadOptions: optionsUnionType('PadOptions'),
  ReducerOptions: optionsUnionType('ReducerOptions'),
  DequantizeOptions: optionsUnionType('DequantizeOptions'),
  QuantizeOptions: optionsUnionType('QuantizeOptions'),
} as const;

/** The file identifier at bytes 4..8 of every .tflite. */
export const FILE_IDENTIFIER = 'TFL3';
/** The schema version this reader and writer speak. */
export const SCHEMA_VERSION = 3;

// Field ids, table by table (schema declaration order; union = _type id, then value id).
export const F = {
  Model: {
    version: 0,
    operatorCodes: 1,
    subgraphs: 2,
    description: 3,
    buffers: 4,
    metadataBuffer: 5,
    metadata: 6,
    signatureDefs: 7,
  },
  OperatorCode: { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 },
  SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  Buffer: { data: 0, offset: 1, size: 2 },
  Tensor: {
    shape: 0,
    type: 1,
    buffer: 2,
    name: 3,
    quantization: 4,
    isVariable: 5,
    sparsity: 6,
    shapeSignature: 7,
    hasRank: 8,
    variantTensors: 9,
  },
  QuantizationParameters: {
    min: 0,
    max: 1,
    scale: 2,
    zeroPoint: 3,
    detailsType: 4,
    details: 5,
    quantizedDimension: 6,
  },
  Operator: {
    opcodeIndex: 0,
    inputs: 1,
    outputs: 2,
    builtinOptionsType: 3,
    builtinOptions: 4,
    customOptions: 5,
    customOptionsFormat: 6,
    mutatingVariableInputs: 7,
    intermediates: 8,
    largeCustomOptionsOffset: 9,
    largeCustomOptionsSize: 10,
    builtinOptions2Type: 11,
    builtinOptions2: 12,
  },
  Conv2DOptions: {
    padding: 0,
    strideW: 1,
    strideH: 2,
    activation: 3,
    dilationW: 4,
    dilationH: 5,
    quantizedBiasType: 6,
  },
  DepthwiseConv2DOptions: {
    padding: 0,
    strideW: 1,
    strideH: 2,
    depthMultiplier: 3,
    activation: 4,
    dilationW: 5,
    dilationH: 6,
  },
  Pool2DOptions: { padding: 0, strideW: 1, strideH: 2, filterW: 3, filterH: 4, activation: 5 },
  FullyConnectedOptions: {
    activation: 0,
    weightsFormat: 1,
    keepNumDims: 2,
    asymmetricQuantizeInputs: 3,
    quantizedBiasType: 4,
  },
  SoftmaxOptions: { beta: 0 },
  ConcatenationOptions: { axis: 0, activation: 1 },
  AddOptions: { activation: 0, potScaleInt16: 1 },
  MulOptions: { activation: 0 },
  ReshapeOptions: { newShape: 0 },
  ReducerOptions: { keepDims: 0 },
} as const;

/** Number of fields declared by each table the writer builds (its vtable size). */
export const FIELD_COUNT = {
  Model: 8,
  OperatorCode: 4,
  SubGraph: 5,
  Buffer: 3,
  Tensor: 10,
  QuantizationParameters: 7,
  Operator: 13,
  Conv2DOptions: 7,
  DepthwiseConv2DOptions: 7,
  Pool2DOptions: 6,
  FullyConnectedOptions: 5,
  SoftmaxOptions: 1,
  ConcatenationOptions: 2,
  AddOptions: 2,
  MulOptions: 1,
  ReshapeOptions: 1,
  ReducerOptions: 1,
  PadOptions: 0,
  QuantizeOptions: 0,
  DequantizeOptions: 0,
} as const;

/** Byte size of one element of each tensor type (int4 packs two per byte: see elementBytes). */
export const TENSOR_TYPE_BITS: Readonly<Record<string, number>> = {
  float32: 32,
  float16: 16,
  int32: 32,
  uint8: 8,
  int64: 64,
  bool: 8,
  int16: 16,
  complex64: 64,
  int8: 8,
  float64: 64,
  complex128: 128,
  uint64: 64,
  uint32: 32,
  uint16: 16,
  int4: 4,
  bfloat16: 16,
};

/**
 * The byte size of `elements` values of `type`, or undefined for types whose size is not a
 * function of the shape (string, resource, variant).
 */
export function elementBytes(type: string, elements: number): number | undefined {
  const bits = TENSOR_TYPE_BITS[type];
  if (bits === undefined) return undefined;
  return Math.ceil((elements * bits) / 8);
}
