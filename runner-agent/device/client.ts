// The host side of protocol v1 (docs/protocol.md): one client per connected board, over
// any Transport. Every command has a timeout and is retransmitted with the same seq;
// uploads and tensor transfers keep a window of chunks on the wire; evaluate() streams a
// dataset with the next sample on the wire while the board computes (evaluate.ts).

import { crc32 } from '../protocol/crc32.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { maxEncodedFrame, MIN_FRAME_BYTES } from '../protocol/frame.ts';
import {
  CHUNK_HEADER,
  Cmd,
  decodeGetOutput,
  decodeHello,
  decodeInvoke,
  decodePing,
  decodeUploadChunkAck,
  decodeUploadEnd,
  encodeGetOutput,
  encodeInvoke,
  encodeSetInput,
  encodeUploadBegin,
  encodeUploadChunk,
  expectEmpty,
  type Hello,
  type InvokeResult,
  type LogLine,
  type ModelInfo,
  type PingResult,
} from '../protocol/messages.ts';
import type { Transport } from '../transport/transport.ts';
import { ClientError } from './errors.ts';
import { evaluateSamples, type EvalOptions, type EvalSampleResult } from './evaluate.ts';
import { RequestLink, type LinkStats } from './link.ts';
import {
  DEFAULT_BYTES_PER_SECOND,
  invokeTimeout,
  shortTimeout,
  uploadEndTimeout,
  type TimeoutModel,
} from './timeouts.ts';

export interface DeviceClientOptions {
  /** Line rate for the transfer part of each timeout; default 11520 (115200 baud 8N1). */
  bytesPerSecond?: number;
  /** Multiplies every timeout; default 1. */
  timeoutScale?: number;
  /** Retransmissions of a request before DeviceTimeoutError; default 3. */
  retries?: number;
  /** LOG frames from the device; default ignored. */
  onLog?: (line: LogLine) => void;
  /** Frames dropped by the receiver (noise, CRC); default ignored (counted in stats()). */
  onLineError?: (error: ProtocolError) => void;
}

export interface UploadOptions {
  /** The model's multiply-accumulates (analyzeModel): scales INVOKE and EVAL timeouts. */
  macs?: number;
  onProgress?: (sentBytes: number, totalBytes: number) => void;
}

/** Boot handshake of docs/protocol.md section 5: HELLO every 500 ms for up to 10 s. */
export const BOOT_HELLO = { timeoutMs: 500, attempts: 20 } as const;

/** INVOKE results are bounded by the device's 16384-byte result buffer (protocol.md 4.6). */
const INVOKE_RESULT_BUFFER = 16384;
/** Largest UPLOAD_END body accepted: 65535 layers with long names would still fit. */
const MAX_MODEL_INFO_BYTES = 1 << 20;
/** With no MAC count, a pessimistic estimate from the model size (conv weights reuse ~500x). */
const MACS_PER_MODEL_BYTE = 500;

export class DeviceClient {
  private readonly link: RequestLink;
  private readonly timing: TimeoutModel;
  private helloInfo: Hello | undefined;
  private model: ModelInfo | undefined;
  private macs = 0;

  constructor(transport: Transport, options: DeviceClientOptions = {}) {
    this.timing = {
      bytesPerSecond: options.bytesPerSecond ?? DEFAULT_BYTES_PER_SECOND,
      scale: options.timeoutScale ?? 1,
    };
    this.link = new RequestLink(transport, {
      bytesPerSecond: this.timing.bytesPerSecond,
      retries: options.retries,
      onLog: options.onLog,
      onLineError: options.onLineError,
    });
  }

  /** HELLO's facts, once hello() succeeded. */
  get device(): Hello | undefined {
    return this.helloInfo;
  }

  /** The model of the last successful upload (cleared by reset()). */
  get loadedModel(): ModelInfo | undefined {
    return this.model;
  }

  stats(): LinkStats {
    return { ...this.link.stats };
  }

  /**
   * HELLO: the device's facts and limits, which the client adopts (frame size, window).
   * `attempts`/`timeoutMs` override the defaults for booting boards (protocol.md: HELLO
   * every 500 ms for up to 10 s).
   */
  async hello(boot?: { timeoutMs: number; attempts: number }): Promise<Hello> {
    const timeoutMs = boot?.timeoutMs ?? shortTimeout(this.timing, MIN_FRAME_BYTES, 512);
    const req = this.link.prepare(Cmd.HELLO, new Uint8Array(0));
    const retries = boot ? Math.max(0, boot.attempts - 1) : undefined;
    const h = decodeHello(await this.link.send(req, { timeoutMs, retries }));
    if (h.protocol !== 1) {
      throw new ProtocolError('bad-version', `HELLO: device speaks protocol ${h.protocol}, host 1`);
    }
    this.helloInfo = h;
    this.link.setLimits(h.maxFrame, h.window, h.rxBuffer);
    return h;
  }

  async ping(data: Uint8Array = new Uint8Array(0)): Promise<PingResult> {
    const t = shortTimeout(this.timing, data.length + 16, data.length + 24);
    return decodePing(await this.link.request(Cmd.PING, data, { timeoutMs: t }));
  }

  /** Soft reset: the device drops model, upload and evaluation. */
  async reset(): Promise<void> {
    const body = await this.link.request(Cmd.RESET, new Uint8Array(0), {
      timeoutMs: shortTimeout(this.timing, 16, 16),
    });
    expectEmpty('RESET', body);
    this.model = undefined;
  }

  /**
   * Uploads and loads a model: refused before any byte is sent when it exceeds the board's
   * model RAM; chunks go out in a window; the device checks the whole-model CRC.
   */
  async upload(model: Uint8Array, options: UploadOptions = {}): Promise<ModelInfo> {
    const h = await this.ensureHello();
    if (model.length > h.modelRam) {
      throw new ClientError(
        'model-too-large',
        `model of ${model.length} bytes does not fit the ${h.modelRam} bytes of model RAM of board ${h.board}`,
      );
    }
    if (model.length === 0) throw new ClientError('bad-argument', 'upload: empty model');
    this.model = undefined;
    const short = (n: number): number => shortTimeout(this.timing, maxEncodedFrame(n), 32);
    expectEmpty(
      'UPLOAD_BEGIN',
      await this.link.request(Cmd.UPLOAD_BEGIN, encodeUploadBegin(model.length, crc32(model)), {
        timeoutMs: short(16),
      }),
    );
    const step = this.link.maxFrame - MIN_FRAME_BYTES - CHUNK_HEADER.UPLOAD_CHUNK;
    let sent = 0;
    let received = 0;
    const acks: Promise<void>[] = [];
    for (let at = 0; at < model.length; at += step) {
      const data = model.subarray(at, Math.min(model.length, at + step));
      const payload = encodeUploadChunk(at, data);
      acks.push(
        this.link
          .request(Cmd.UPLOAD_CHUNK, payload, { timeoutMs: short(payload.length) })
          .then((body) => {
            received = Math.max(received, decodeUploadChunkAck(body));
            sent += data.length;
            options.onProgress?.(sent, model.length);
          }),
      );
    }
    await settleAll(acks);
    // Every chunk was acknowledged; the count is a cross-check (the CRC at UPLOAD_END is the proof).
    if (received < model.length) {
      throw new ClientError(
        'device-mismatch',
        `UPLOAD_CHUNK: device acknowledged ${received} of ${model.length} bytes`,
      );
    }
    const body = await this.link.request(Cmd.UPLOAD_END, new Uint8Array(0), {
      timeoutMs: uploadEndTimeout(this.timing, model.length, 8192),
      retryTimeoutMs: shortTimeout(this.timing, 16, 8192),
      segmentedMaxBody: MAX_MODEL_INFO_BYTES,
    });
    const info = decodeUploadEnd(body);
    if (info.modelBytes !== model.length) {
      throw new ClientError(
        'device-mismatch',
        `UPLOAD_END: device loaded ${info.modelBytes} bytes, ${model.length} were sent`,
      );
    }
    this.model = info;
    this.macs = options.macs ?? model.length * MACS_PER_MODEL_BYTE;
    return info;
  }

  /** Writes a whole input tensor (its byte size must match the model's). */
  async setInput(index: number, data: Uint8Array): Promise<void> {
    const t = this.tensor('input', index);
    if (data.length !== t.bytes) {
      throw new ClientError(
        'bad-argument',
        `setInput: input ${index} takes ${t.bytes} bytes, ${data.length} given`,
      );
    }
    const step = this.link.maxFrame - MIN_FRAME_BYTES - CHUNK_HEADER.SET_INPUT;
    const acks: Promise<void>[] = [];
    for (let at = 0; at < data.length; at += step) {
      const payload = encodeSetInput(
        index,
        at,
        data.subarray(at, Math.min(data.length, at + step)),
      );
      const timeoutMs = shortTimeout(this.timing, maxEncodedFrame(payload.length), 32);
      acks.push(
        this.link
          .request(Cmd.SET_INPUT, payload, { timeoutMs })
          .then((b) => expectEmpty('SET_INPUT', b)),
      );
    }
    await settleAll(acks);
  }

  /** Reads a whole output tensor. */
  async getOutput(index: number): Promise<Uint8Array> {
    const t = this.tensor('output', index);
    const out = new Uint8Array(t.bytes);
    const step = this.link.maxFrame - MIN_FRAME_BYTES - CHUNK_HEADER.GET_OUTPUT;
    const reads: Promise<void>[] = [];
    for (let at = 0; at < t.bytes; at += step) {
      const len = Math.min(step, t.bytes - at);
      const timeoutMs = shortTimeout(
        this.timing,
        32,
        maxEncodedFrame(len + CHUNK_HEADER.GET_OUTPUT),
      );
      reads.push(
        this.link
          .request(Cmd.GET_OUTPUT, encodeGetOutput(index, at, len), { timeoutMs })
          .then((b) => out.set(decodeGetOutput(b, at, len), at)),
      );
    }
    await settleAll(reads);
    return out;
  }

  /**
   * Runs the model `warmup` times unmeasured, then `repeats` times with per-layer ticks.
   * Split into several INVOKEs when the ticks exceed the device's result buffer.
   */
  async invoke(warmup: number, repeats: number): Promise<InvokeResult> {
    const m = this.requireModel('invoke');
    if (!Number.isInteger(repeats) || repeats < 1) {
      throw new ClientError('bad-argument', `invoke: repeats ${repeats} must be >= 1`);
    }
    const layers = m.layers.length;
    const perCall = Math.floor((INVOKE_RESULT_BUFFER - 12) / (4 * (layers + 1)));
    if (perCall < 1) {
      throw new ClientError('bad-argument', `invoke: ${layers} layers exceed the result buffer`);
    }
    const out: InvokeResult = { warmup, repeats: 0, tickHz: 0, layerTicks: [], totalTicks: [] };
    for (let done = 0; done < repeats;) {
      const w = done === 0 ? warmup : 0;
      const r = Math.min(perCall, repeats - done, 0xffff);
      const bodyBytes = 12 + 4 * r * (layers + 1);
      const body = await this.link.request(Cmd.INVOKE, encodeInvoke(w, r), {
        timeoutMs: invokeTimeout(this.timing, w + r, this.macs, bodyBytes),
        retryTimeoutMs: shortTimeout(this.timing, 16, bodyBytes),
        segmentedMaxBody: INVOKE_RESULT_BUFFER,
      });
      const part = decodeInvoke(body);
      if (
        part.repeats !== r ||
        part.warmup !== w ||
        part.layerTicks.some((row) => row.length !== layers)
      ) {
        throw new ClientError(
          'device-mismatch',
          `INVOKE: asked ${w} warm-up + ${r} repeats of ${layers} layers, got ${part.warmup} + ${part.repeats}`,
        );
      }
      out.tickHz = part.tickHz;
      out.layerTicks.push(...part.layerTicks);
      out.totalTicks.push(...part.totalTicks);
      out.repeats += r;
      done += r;
    }
    return out;
  }

  /**
   * Streams samples (input 0 bytes each) through the device and returns output 0 and the
   * ticks of each, in sample order. Pipelined: see evaluate.ts.
   */
  evaluate(samples: readonly Uint8Array[], options: EvalOptions = {}): Promise<EvalSampleResult[]> {
    this.requireModel('evaluate');
    return evaluateSamples(this.link, this.timing, this.macs, samples, options);
  }

  /** Fails outstanding requests; the caller closes the transport. */
  close(): void {
    this.link.shutdown(new ClientError('closed', 'device client closed'));
  }

  private async ensureHello(): Promise<Hello> {
    return this.helloInfo ?? (await this.hello());
  }

  private requireModel(what: string): ModelInfo {
    if (!this.model) throw new ClientError('no-model', `${what}: no model uploaded`);
    return this.model;
  }

  private tensor(kind: 'input' | 'output', index: number) {
    const m = this.requireModel(kind === 'input' ? 'setInput' : 'getOutput');
    const list = kind === 'input' ? m.inputs : m.outputs;
    const t = list[index];
    if (!t) {
      throw new ClientError(
        'bad-argument',
        `${kind} ${index} does not exist (model has ${list.length})`,
      );
    }
    return t;
  }
}

/** Awaits every promise (so none is left unhandled), then throws the first failure. */
export async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
