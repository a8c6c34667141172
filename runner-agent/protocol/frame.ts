// One frame on the line: COBS( u8 version | u8 type | u16 seq LE | payload | u32 crc32 LE ) 0x00.
// The CRC covers everything before it. Frame types: requests 0x01..0x3F, their responses
// type | 0x80, device streams 0xC0..0xFE, 0xFF log text (docs/protocol.md).

import { cobsDecode, cobsEncodeInto, cobsMaxEncoded } from './cobs.ts';
import { crc32 } from './crc32.ts';
import { ProtocolError } from './errors.ts';

export const PROTOCOL_VERSION = 1;
export const HEADER_BYTES = 4;
export const CRC_BYTES = 4;
/** Header and CRC of an empty payload. */
export const MIN_FRAME_BYTES = HEADER_BYTES + CRC_BYTES;
/** Largest decoded frame of wire format v1 unless the device announces a smaller one. */
export const MAX_FRAME_BYTES = 2048 + 16;
export const MAX_PAYLOAD_BYTES = MAX_FRAME_BYTES - MIN_FRAME_BYTES;

export const RESPONSE_BIT = 0x80;
export const STREAM_FIRST = 0xc0;
export const LOG_TYPE = 0xff;

export interface Frame {
  type: number;
  seq: number;
  payload: Uint8Array;
}

/** Largest encoded frame on the line (COBS overhead and the 0x00 delimiter included). */
export function maxEncodedFrame(maxFrameBytes: number): number {
  return cobsMaxEncoded(maxFrameBytes) + 1;
}

/** Encodes a frame ready to write: COBS bytes followed by the 0x00 delimiter. */
export function encodeFrame(frame: Frame, maxFrameBytes = MAX_FRAME_BYTES): Uint8Array {
  const { type, seq, payload } = frame;
  if (!Number.isInteger(type) || type < 0 || type > 0xff) {
    throw new ProtocolError('value-out-of-range', `frame type ${type} is not a byte`);
  }
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff) {
    throw new ProtocolError('value-out-of-range', `frame seq ${seq} is not a u16`);
  }
  const n = MIN_FRAME_BYTES + payload.length;
  if (n > maxFrameBytes) {
    throw new ProtocolError(
      'frame-too-long',
      `frame type 0x${type.toString(16)}: ${n} bytes exceed the ${maxFrameBytes}-byte limit`,
    );
  }
  const raw = new Uint8Array(n);
  raw[0] = PROTOCOL_VERSION;
  raw[1] = type;
  raw[2] = seq & 0xff;
  raw[3] = seq >>> 8;
  raw.set(payload, HEADER_BYTES);
  const view = new DataView(raw.buffer);
  view.setUint32(n - CRC_BYTES, crc32(raw.subarray(0, n - CRC_BYTES)), true);
  const out = new Uint8Array(maxEncodedFrame(n));
  const end = cobsEncodeInto(raw, out);
  out[end] = 0;
  return out.subarray(0, end + 1);
}

/**
 * Decodes one frame given its COBS bytes without the delimiter. Every check a hostile
 * line needs: COBS structure, length bounds, CRC, version. The payload is a view into a
 * fresh buffer, so the caller may keep it.
 */
export function decodeFrame(encoded: Uint8Array, maxFrameBytes = MAX_FRAME_BYTES): Frame {
  // A COBS encoding is at least one byte longer than what it encodes.
  if (encoded.length > cobsMaxEncoded(maxFrameBytes)) {
    throw new ProtocolError(
      'frame-too-long',
      `frame of ${encoded.length} encoded bytes exceeds the ${maxFrameBytes}-byte limit`,
    );
  }
  const raw = cobsDecode(encoded);
  if (raw.length < MIN_FRAME_BYTES) {
    throw new ProtocolError(
      'frame-too-short',
      `frame of ${raw.length} bytes is shorter than header and CRC (${MIN_FRAME_BYTES})`,
    );
  }
  if (raw.length > maxFrameBytes) {
    throw new ProtocolError(
      'frame-too-long',
      `frame of ${raw.length} bytes exceeds the ${maxFrameBytes}-byte limit`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
  const body = raw.length - CRC_BYTES;
  const want = view.getUint32(body, true);
  const got = crc32(raw.subarray(0, body));
  if (want !== got) {
    throw new ProtocolError(
      'crc-mismatch',
      `frame type 0x${raw[1].toString(16)} seq ${view.getUint16(2, true)}: CRC 0x${want.toString(16)} on the line, 0x${got.toString(16)} computed`,
    );
  }
  if (raw[0] !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      'bad-version',
      `frame version ${raw[0]}, this host speaks ${PROTOCOL_VERSION}`,
    );
  }
  return { type: raw[1], seq: view.getUint16(2, true), payload: raw.subarray(HEADER_BYTES, body) };
}
