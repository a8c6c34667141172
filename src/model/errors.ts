// The one error type of the model reader, writer and builder. `code` is stable (tests and
// callers switch on it); the message names the source file and the place in the model.

export type ModelErrorCode =
  /** The file ends before a structure it declares (header, table, vector, buffer). */
  | 'truncated'
  /** The 4-byte file identifier is not "TFL3". */
  | 'identifier'
  /** The schema version is not 3 (versions 0-2 used another layout). */
  | 'unsupported-version'
  /** A table, vtable or field offset points outside the file. */
  | 'offset-out-of-range'
  /** A vector or string length runs past the end of the file. */
  | 'vector-out-of-range'
  /** The file makes the reader touch far more bytes than it holds (shared vectors). */
  | 'budget-exceeded'
  /** An operator code that is not in the BuiltinOperator table. */
  | 'unknown-operator'
  /** A tensor type outside the TensorType enum. */
  | 'unknown-type'
  /** An enum field of an options table holds a value outside its enum. */
  | 'bad-enum'
  /** A shape entry below zero (shape_signature allows -1 only). */
  | 'negative-dimension'
  /** The model has no subgraph, or a subgraph has no operators. */
  | 'empty-subgraph'
  /** A tensor, buffer or operator-code index out of range. */
  | 'bad-index'
  /** Quantization scale and zero_point disagree in length, or a value is not representable. */
  | 'bad-quantization'
  /** A constant buffer's byte length does not match its tensor's shape and type. */
  | 'buffer-size-mismatch'
  /** Buffer 0 (the empty sentinel) is missing or holds data. */
  | 'bad-sentinel'
  /** The writer was asked to write options it only knows by union type number. */
  | 'unwritable-options'
  /** A schema feature the Model cannot represent (sparse tensors). */
  | 'unsupported'
  /** A value the schema cannot hold (e.g. a non-integer dimension, a string where an int goes). */
  | 'bad-value';

export class ModelError extends Error {
  override readonly name = 'ModelError';
  readonly code: ModelErrorCode;
  /** The file (or '<memory>') the problem was found in. */
  readonly source: string;

  constructor(code: ModelErrorCode, source: string, detail: string) {
    super(`${source}: ${detail}`);
    this.code = code;
    this.source = source;
  }
}
