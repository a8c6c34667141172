// Errors of the device client that are neither a damaged line (ProtocolError) nor a
// status from the device (DeviceError).

export type ClientErrorCode =
  /** The model exceeds the board's model RAM (HELLO): refused before any byte is sent. */
  | 'model-too-large'
  /** A command needs an uploaded model, or an index/size does not match it. */
  | 'no-model'
  | 'bad-argument'
  /** The device answered with values that contradict the request (wrong count, size). */
  | 'device-mismatch'
  /** The transport closed while requests were outstanding, or the client was closed. */
  | 'closed';

export class ClientError extends Error {
  readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClientError';
    this.code = code;
  }
}

/** A request went unanswered through every retransmission: the board is silent or hung. */
export class DeviceTimeoutError extends Error {
  readonly code = 'device-timeout';
  readonly command: string;
  readonly seq: number;
  readonly attempts: number;
  readonly timeoutMs: number;

  constructor(command: string, seq: number, attempts: number, timeoutMs: number) {
    super(
      `${command} (seq ${seq}): no answer after ${attempts} attempts of ${Math.round(timeoutMs)} ms`,
    );
    this.name = 'DeviceTimeoutError';
    this.command = command;
    this.seq = seq;
    this.attempts = attempts;
    this.timeoutMs = timeoutMs;
  }
}
