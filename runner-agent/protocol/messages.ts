// Typed payloads of protocol v1 (docs/protocol.md sections 3-4): the decoders of the
// device's answers, and (re-exported from requests.ts) the command types and request
// encoders. Decoders treat the bytes as hostile: every field is bounds-checked, counts are
// checked against the bytes that carry them before anything is allocated, and trailing
// bytes are refused.

import { DeviceError, ProtocolError } from './errors.ts';
import { MAX_FRAME_BYTES } from './frame.ts';
import { PayloadReader } from './reader.ts';

export * from './requests.ts';

/**
 * Splits a response payload into status and result. A non-zero status becomes a
 * DeviceError carrying the device's message; `command` names the request in it.
 */
export function responseBody(command: string, payload: Uint8Array): Uint8Array {
  const r = new PayloadReader(payload, `${command} response`);
  const status = r.u16('status');
  if (status === 0) return r.rest();
  const message = r.str('message');
  r.end();
  throw new DeviceError(command, status, message);
}

export interface Hello {
  protocol: number;
  maxFrame: number;
  window: number;
  rxBuffer: number;
  clockHz: number;
  tickHz: number;
  /** 1 DWT CYCCNT, 2 CMSDK timer, 3 SysTick, 4 host clock, 5 host counter. */
  tickSource: number;
  emulated: boolean;
  fpu: boolean;
  dsp: boolean;
  mve: boolean;
  modelRam: number;
  arenaBytes: number;
  /** SHA-256 of the firmware sources and flags, lower-case hex. */
  buildHash: string;
  board: string;
  core: string;
  floatAbi: string;
  kernelSet: string;
  fastPaths: string;
  firmwareVersion: string;
  compiler: string;
  tickName: string;
}

export function decodeHello(body: Uint8Array): Hello {
  const r = new PayloadReader(body, 'HELLO response');
  const flag = (f: string): boolean => {
    const v = r.u8(f);
    if (v > 1)
      throw new ProtocolError('payload-invalid', `HELLO response: field ${f} = ${v}, not 0/1`);
    return v === 1;
  };
  const h: Hello = {
    protocol: r.u16('protocol'),
    maxFrame: r.u16('max_frame'),
    window: r.u16('window'),
    rxBuffer: r.u32('rx_buffer'),
    clockHz: r.u32('clock_hz'),
    tickHz: r.u32('tick_hz'),
    tickSource: r.u8('tick_source'),
    emulated: flag('emulated'),
    fpu: flag('fpu'),
    dsp: flag('dsp'),
    mve: flag('mve'),
    modelRam: r.u32('model_ram'),
    arenaBytes: r.u32('arena_bytes'),
    buildHash: Buffer.from(r.bytesN(32, 'build_hash')).toString('hex'),
    board: r.str('board'),
    core: r.str('core'),
    floatAbi: r.str('float_abi'),
    kernelSet: r.str('kernel_set'),
    fastPaths: r.str('fast_paths'),
    firmwareVersion: r.str('firmware_version'),
    compiler: r.str('compiler'),
    tickName: r.str('tick_name'),
  };
  r.end();
  // Limits the host relies on: room for headers, and no frame beyond v1's 2064 bytes.
  if (h.maxFrame < 64 || h.maxFrame > MAX_FRAME_BYTES || h.window < 1 || h.tickHz === 0) {
    throw new ProtocolError(
      'payload-invalid',
      `HELLO response: max_frame ${h.maxFrame}, window ${h.window}, tick_hz ${h.tickHz} are not usable`,
    );
  }
  return h;
}

export function decodeUploadChunkAck(body: Uint8Array): number {
  const r = new PayloadReader(body, 'UPLOAD_CHUNK response');
  const received = r.u32('received');
  r.end();
  return received;
}

export interface TensorInfo {
  /** TFLite TensorType: 0 float32, 2 int32, 3 uint8, 7 int16, 9 int8, ... */
  type: number;
  dims: number[];
  bytes: number;
  scale: number;
  zeroPoint: number;
}

export interface LayerInfo {
  op: string;
  /** 0 ref, 1 opt, 2 opt-fallback. */
  kernelPath: number;
}

export interface ModelInfo {
  modelBytes: number;
  arenaUsed: number;
  activationBytes: number;
  layers: LayerInfo[];
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

const MAX_DIMS = 6;

function decodeTensor(r: PayloadReader, field: string): TensorInfo {
  const type = r.u8(`${field}.type`);
  const ndims = r.u8(`${field}.ndims`);
  if (ndims > MAX_DIMS) {
    throw new ProtocolError(
      'payload-invalid',
      `${r.context}: ${field}.ndims = ${ndims} > ${MAX_DIMS}`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(r.i32(`${field}.dims[${i}]`));
  return {
    type,
    dims,
    bytes: r.u32(`${field}.bytes`),
    scale: r.f32(`${field}.scale`),
    zeroPoint: r.i32(`${field}.zero_point`),
  };
}

export function decodeUploadEnd(body: Uint8Array): ModelInfo {
  const r = new PayloadReader(body, 'UPLOAD_END response');
  const modelBytes = r.u32('model_bytes');
  const arenaUsed = r.u32('arena_used');
  const activationBytes = r.u32('activation_bytes');
  const nLayers = r.u16('layers');
  const nIn = r.u8('inputs');
  const nOut = r.u8('outputs');
  // Each layer needs at least 3 bytes (path + empty string): refuse a count the bytes cannot carry.
  if (nLayers * 3 > r.remaining) {
    throw new ProtocolError(
      'payload-invalid',
      `UPLOAD_END response: ${nLayers} layers cannot fit in ${r.remaining} bytes`,
    );
  }
  const paths: number[] = [];
  for (let i = 0; i < nLayers; i++) paths.push(r.u8(`kernel_path[${i}]`));
  const layers = paths.map((kernelPath, i) => ({ kernelPath, op: r.str(`op[${i}]`) }));
  const inputs: TensorInfo[] = [];
  for (let i = 0; i < nIn; i++) inputs.push(decodeTensor(r, `input[${i}]`));
  const outputs: TensorInfo[] = [];
  for (let i = 0; i < nOut; i++) outputs.push(decodeTensor(r, `output[${i}]`));
  r.end();
  return { modelBytes, arenaUsed, activationBytes, layers, inputs, outputs };
}

export interface InvokeResult {
  warmup: number;
  repeats: number;
  tickHz: number;
  /** layerTicks[repeat][layer] */
  layerTicks: number[][];
  /** totalTicks[repeat]: around the whole invoke, >= the sum of its layers. */
  totalTicks: number[];
}

export function decodeInvoke(body: Uint8Array): InvokeResult {
  const r = new PayloadReader(body, 'INVOKE response');
  const warmup = r.u16('warmup');
  const repeats = r.u16('repeats');
  const layers = r.u16('layers');
  r.u16('reserved');
  const tickHz = r.u32('tick_hz');
  const want = 4 * repeats * (layers + 1);
  if (r.remaining !== want) {
    throw new ProtocolError(
      'payload-invalid',
      `INVOKE response: ${repeats} repeats x ${layers} layers need ${want} tick bytes, ${r.remaining} present`,
    );
  }
  const layerTicks: number[][] = [];
  const totalTicks: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const row: number[] = [];
    for (let l = 0; l < layers; l++) row.push(r.u32(`ticks[${k}][${l}]`));
    layerTicks.push(row);
    totalTicks.push(r.u32(`total[${k}]`));
  }
  r.end();
  return { warmup, repeats, tickHz, layerTicks, totalTicks };
}

export function decodeGetOutput(body: Uint8Array, offset: number, len: number): Uint8Array {
  const r = new PayloadReader(body, 'GET_OUTPUT response');
  const at = r.u32('offset');
  if (at !== offset) {
    throw new ProtocolError(
      'payload-invalid',
      `GET_OUTPUT response: offset ${at}, asked ${offset}`,
    );
  }
  const data = r.bytesN(len, 'data');
  r.end();
  return data;
}

export interface EvalBegin {
  inputBytes: number;
  outputBytes: number;
  slots: number;
}

export function decodeEvalBegin(body: Uint8Array): EvalBegin {
  const r = new PayloadReader(body, 'EVAL_BEGIN response');
  const out = {
    inputBytes: r.u32('input_bytes'),
    outputBytes: r.u32('output_bytes'),
    slots: r.u8('slots'),
  };
  r.end();
  if (out.inputBytes === 0) {
    throw new ProtocolError('payload-invalid', 'EVAL_BEGIN response: input_bytes is 0');
  }
  return out;
}

export function decodeEvalSampleAck(body: Uint8Array): { sample: number; received: number } {
  const r = new PayloadReader(body, 'EVAL_SAMPLE response');
  const out = { sample: r.u32('sample'), received: r.u32('received') };
  r.end();
  return out;
}

export type EvalResult =
  | { sample: number; status: 0; ticks: number; output: Uint8Array }
  | { sample: number; status: number; message: string };

export function decodeEvalResult(payload: Uint8Array): EvalResult {
  const r = new PayloadReader(payload, 'EVAL_RESULT');
  const sample = r.u32('sample');
  const status = r.u16('status');
  if (status === 0) return { sample, status: 0, ticks: r.u32('ticks'), output: r.rest() };
  const message = r.str('message');
  r.end();
  return { sample, status, message };
}

export interface PingResult {
  framesOk: number;
  framesDropped: number;
  echo: Uint8Array;
}

export function decodePing(body: Uint8Array): PingResult {
  const r = new PayloadReader(body, 'PING response');
  return { framesOk: r.u32('frames_ok'), framesDropped: r.u32('frames_dropped'), echo: r.rest() };
}

export interface LogLine {
  /** 0 info, 1 warning, 2 error */
  level: number;
  text: string;
}

export function decodeLog(payload: Uint8Array): LogLine {
  const r = new PayloadReader(payload, 'LOG');
  return { level: r.u8('level'), text: r.text('text') };
}

/** Empty response bodies (UPLOAD_BEGIN, SET_INPUT, RESET): anything after the status is wrong. */
export function expectEmpty(command: string, body: Uint8Array): void {
  new PayloadReader(body, `${command} response`).end();
}
