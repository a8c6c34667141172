// Errors of the host TFLite runtime. Callers branch on `code`, never on the message;
// the message names the model, tensor or file so that a CI log alone says what broke.

export type HostRuntimeErrorCode =
  /** The WASM build of the interpreter could not be read or instantiated. */
  | 'wasm-load-failed'
  /** The interpreter refused the model (bad flatbuffer, unsupported operator, bad shapes). */
  | 'load-failed'
  /** An input or output tensor has a type this API does not expose (uint32, float64, ...). */
  | 'unsupported-dtype'
  /** setInput/output/runOnce: wrong index, wrong typed array, wrong element count. */
  | 'input-mismatch'
  /** A tensor has no memory yet: a dynamic output read before invoke. */
  | 'no-data'
  /** Invoke() returned an error status. */
  | 'invoke-failed'
  /** The WASM module aborted or trapped; it is discarded and the next load starts a fresh one. */
  | 'aborted'
  /** The runtime was used after dispose(). */
  | 'disposed';

export class HostRuntimeError extends Error {
  readonly code: HostRuntimeErrorCode;

  constructor(code: HostRuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostRuntimeError';
    this.code = code;
  }
}

/** Message of a caught value that may not be an Error (WASM glue throws strings too). */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
