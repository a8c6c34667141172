// The one error type of the model reader, writer and builder. `code` is stable (tests and
// callers switch on it); the message names the source file and the place in the model.

export type ModelErrorCode =
  /**
   * A structure (header, table, vector, string, external data) runs past the end of the
   * file: the file was cut, or an offset or length is corrupt in a way only a longer file
   * could satisfy (the two look the same from inside the file).
   */
  | 'truncated'
  /** The 4-byte file identifier is not "TFL3". */
  | 'identifier'
  /** The schema version is not 3 (versions 0-2 used another layout). */
  | 'unsupported-version'
  /**
   * An offset no file could satisfy: negative, past the 2 GiB reach of 32-bit offsets, a
   * field outside its table, a malformed vtable; or external data starting past the end.
   */
  | 'offset-out-of-range'
  /** A vector or string length larger than any flatbuffer can hold (2 GiB). */
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
