// Request side of protocol v1 (docs/protocol.md sections 3-4): command types and the
// encoders of the host's request payloads, with range checks that name the field.

import { ProtocolError } from './errors.ts';
import { PayloadWriter } from './reader.ts';

export const Cmd = {
  HELLO: 0x01,
  UPLOAD_BEGIN: 0x02,
  UPLOAD_CHUNK: 0x03,
  UPLOAD_END: 0x04,
  SET_INPUT: 0x05,
  INVOKE: 0x06,
  GET_OUTPUT: 0x07,
  EVAL_BEGIN: 0x08,
  EVAL_SAMPLE: 0x09,
  RESET: 0x0a,
  PING: 0x0b,
} as const;
export type CmdName = keyof typeof Cmd;
export type CmdType = (typeof Cmd)[CmdName];

export const EVAL_RESULT = 0xc1;

export function cmdName(type: number): string {
  const e = Object.entries(Cmd).find(([, v]) => v === type);
  return e ? e[0] : `0x${type.toString(16).padStart(2, '0')}`;
}

/**
 * Bytes before the data in the payloads that carry tensor or model bytes: requests, and
 * the GET_OUTPUT response (status + offset). A frame's data room is max_frame - 8 - this.
 */
export const CHUNK_HEADER = {
  UPLOAD_CHUNK: 4,
  SET_INPUT: 5,
  EVAL_SAMPLE: 9,
  GET_OUTPUT: 6,
} as const;

export function encodeUploadBegin(total: number, crc: number): Uint8Array {
  return new PayloadWriter(8, 'UPLOAD_BEGIN').u32(total, 'total').u32(crc, 'crc32').bytes;
}

export function encodeUploadChunk(offset: number, data: Uint8Array): Uint8Array {
  nonEmpty(data, 'UPLOAD_CHUNK');
  return new PayloadWriter(4 + data.length, 'UPLOAD_CHUNK').u32(offset, 'offset').raw(data).bytes;
}

export function encodeSetInput(index: number, offset: number, data: Uint8Array): Uint8Array {
  nonEmpty(data, 'SET_INPUT');
  return new PayloadWriter(5 + data.length, 'SET_INPUT')
    .u8(index, 'index')
    .u32(offset, 'offset')
    .raw(data).bytes;
}

export function encodeInvoke(warmup: number, repeats: number): Uint8Array {
  if (repeats < 1) throw new ProtocolError('value-out-of-range', `INVOKE: repeats ${repeats} < 1`);
  return new PayloadWriter(4, 'INVOKE').u16(warmup, 'warmup').u16(repeats, 'repeats').bytes;
}

export function encodeGetOutput(index: number, offset: number, len: number): Uint8Array {
  if (len < 1) throw new ProtocolError('value-out-of-range', `GET_OUTPUT: len ${len} < 1`);
  return new PayloadWriter(7, 'GET_OUTPUT').u8(index, 'index').u32(offset, 'offset').u16(len, 'len')
    .bytes;
}

export function encodeEvalBegin(count: number): Uint8Array {
  if (count < 1) throw new ProtocolError('value-out-of-range', `EVAL_BEGIN: count ${count} < 1`);
  return new PayloadWriter(4, 'EVAL_BEGIN').u32(count, 'count').bytes;
}

export function encodeEvalSample(
  sample: number,
  offset: number,
  last: boolean,
  data: Uint8Array,
): Uint8Array {
  nonEmpty(data, 'EVAL_SAMPLE');
  return new PayloadWriter(9 + data.length, 'EVAL_SAMPLE')
    .u32(sample, 'sample')
    .u32(offset, 'offset')
    .u8(last ? 1 : 0, 'flags')
    .raw(data).bytes;
}

function nonEmpty(data: Uint8Array, what: string): void {
  if (data.length === 0) throw new ProtocolError('value-out-of-range', `${what}: empty data`);
}
