// Errors of the serial protocol. Callers branch on `code`, never on the message; the
// message names the frame type, field or command so that a CI log alone says what broke.

export type ProtocolErrorCode =
  /** A COBS block points past the end of the frame, or a 0x00 byte sits inside it. */
  | 'cobs-invalid'
  /** Fewer bytes than header + CRC (8), including the empty frame. */
  | 'frame-too-short'
  /** More bytes than the receiver's limit (the device announces its own in HELLO). */
  | 'frame-too-long'
  /** The CRC-32 at the end of the frame does not match its bytes. */
  | 'crc-mismatch'
  /** The frame's version byte is not the one this host speaks. */
  | 'bad-version'
  /** A payload is shorter or longer than its fields, or a count does not fit the bytes. */
  | 'payload-invalid'
  /** A value to encode does not fit its field (u16 overflow, oversized chunk, ...). */
  | 'value-out-of-range';

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

/**
 * Stable names of the device's status codes: the engine's tg_status values (1..0xFF,
 * firmware/engine/include/tg_status.h) and the protocol's own (>= 0x100, docs/protocol.md section 6).
 */
const STATUS_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'model-truncated'],
  [2, 'model-identifier'],
  [3, 'model-invalid'],
  [4, 'unsupported-op'],
  [5, 'unsupported-type'],
  [6, 'shape'],
  [7, 'quant'],
  [8, 'options'],
  [9, 'arena-too-small'],
  [10, 'hybrid'],
  [11, 'arg'],
  [12, 'state'],
  [0x100, 'unknown-command'],
  [0x101, 'bad-length'],
  [0x102, 'bad-version'],
  [0x103, 'model-too-large'],
  [0x104, 'no-upload'],
  [0x105, 'chunk-range'],
  [0x106, 'upload-incomplete'],
  [0x107, 'upload-crc'],
  [0x108, 'no-model'],
  [0x109, 'bad-index'],
  [0x10a, 'range'],
  [0x10b, 'too-many-repeats'],
  [0x10c, 'eval-state'],
  [0x10d, 'eval-slot-busy'],
  [0x10e, 'eval-too-large'],
  [0x10f, 'engine-init'],
  [0x110, 'fragmented'],
]);

/** Stable name of a device status; unknown values keep their number. */
export function statusName(status: number): string {
  return STATUS_NAMES.get(status) ?? `status-0x${status.toString(16).padStart(4, '0')}`;
}

/** The device answered a request with a non-zero status. */
export class DeviceError extends Error {
  /** Stable name of the status, e.g. 'unsupported-op' or 'crc-mismatch'. */
  readonly code: string;
  readonly status: number;
  /** The request that failed, e.g. 'UPLOAD_END'. */
  readonly command: string;
  /** The device's own message, as sent (untrusted text, already length-checked). */
  readonly deviceMessage: string;

  constructor(command: string, status: number, deviceMessage: string) {
    const name = statusName(status);
    super(
      `${command}: device status ${status} (${name})${deviceMessage ? `: ${deviceMessage}` : ''}`,
    );
    this.name = 'DeviceError';
    this.code = name;
    this.status = status;
    this.command = command;
    this.deviceMessage = deviceMessage;
  }
}
