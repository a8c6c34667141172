// An in-memory device for the client tests: protocol v1 as docs/protocol.md states it
// (response cache of the last 8 requests keyed by type and seq, segmented responses,
// two eval slots, no reading of the line during an inference, uploads and samples counted
// by the distinct bytes received, at most 16 separate ranges each), over a made-up model:
// output byte i = (sum of input bytes + i * 7) mod 256, layer l takes 100 * (l + 1) ticks.
import { crc32 } from '../../runner-agent/protocol/crc32.ts';
import { FrameParser } from '../../runner-agent/protocol/frame-parser.ts';
import { encodeFrame, type Frame } from '../../runner-agent/protocol/frame.ts';
import { Cmd, EVAL_RESULT } from '../../runner-agent/protocol/messages.ts';
import { TransportBase } from '../../runner-agent/transport/transport.ts';

/** The host end of an in-memory line; bytes reach the other side on a later tick. */
export class MemoryTransport extends TransportBase {
  toDevice: (bytes: Uint8Array) => void = () => {};

  async write(bytes: Uint8Array): Promise<void> {
    this.assertOpen('memory write');
    const copy = bytes.slice();
    setImmediate(() => this.toDevice(copy));
  }

  fromDevice(bytes: Uint8Array): void {
    setImmediate(() => this.emitData(bytes));
  }

  async close(): Promise<void> {
    this.emitClose();
  }
}

export interface FakeDeviceOptions {
  silent?: boolean;
  /** Wall time of one inference; the device reads nothing meanwhile. Default 0. */
  inferMs?: number;
  modelRam?: number;
  inputBytes?: number;
  outputBytes?: number;
  layers?: number;
  /** From the first request of this type on, the device answers nothing (a hung firmware). */
  hangOn?: number;
  /** Answer only every n-th request the first time it is seen (n >= 2): exercises retransmission. */
  ignoreEvery?: number;
}

/** Ranges of an object received so far, as the firmware's tg_cover keeps them (16 at most). */
export class Coverage {
  static readonly MAX_RANGES = 16;
  private ranges: [number, number][] = [];
  bytes = 0;

  /** Marks [off, off + len); false (and unchanged) when it would need a 17th range. */
  add(off: number, len: number): boolean {
    let a = off;
    let b = off + len;
    const keep: [number, number][] = [];
    let merged = 0;
    for (const [s, e] of this.ranges) {
      if (e < a || s > b) keep.push([s, e]);
      else {
        merged++;
        a = Math.min(a, s);
        b = Math.max(b, e);
      }
    }
    if (merged === 0 && this.ranges.length >= Coverage.MAX_RANGES) return false;
    keep.push([a, b]);
    keep.sort((x, y) => x[0] - y[0]);
    this.ranges = keep;
    this.bytes = keep.reduce((n, [s, e]) => n + e - s, 0);
    return true;
  }
}

const LAYER_OPS = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'SOFTMAX'];

class W {
  private b: number[] = [];
  u8(v: number): this {
    this.b.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  raw(x: Uint8Array | number[]): this {
    for (const v of x) this.b.push(v);
    return this;
  }
  str(s: string): this {
    const e = new TextEncoder().encode(s);
    return this.u16(e.length).raw(e);
  }
  get bytes(): Uint8Array {
    return Uint8Array.from(this.b);
  }
}

export class FakeDevice {
  readonly host = new MemoryTransport();
  /** Requests executed (cache hits excluded), by command type. */
  readonly executed = new Map<number, number>();
  inferences = 0;
  /** Inferences after which the next request was already waiting (pipelining at work). */
  nextWaiting = 0;
  private readonly o: Required<FakeDeviceOptions>;
  private readonly parser: FrameParser;
  private queue: Frame[] = [];
  private busy = false;
  private readonly cache = new Map<string, Uint8Array[]>();
  private seen = 0;
  private upload: { total: number; crc: number; data: Uint8Array; got: Coverage } | undefined;
  private model: Uint8Array | undefined;
  private input = new Uint8Array(0);
  private output = new Uint8Array(0);
  private evalState:
    | {
        count: number;
        slots: (Uint8Array | undefined)[];
        recv: Map<number, Coverage>;
        done: Set<number>;
      }
    | undefined;

  constructor(options: FakeDeviceOptions = {}) {
    this.o = {
      silent: false,
      inferMs: 0,
      modelRam: 1 << 20,
      inputBytes: 784,
      outputBytes: 10,
      layers: 4,
      ignoreEvery: 0,
      hangOn: -1,
      ...options,
    };
    this.parser = new FrameParser({ onFrame: (f) => this.queue.push(f) });
    this.host.toDevice = (bytes) => {
      if (this.o.silent) return;
      this.parser.push(bytes);
      void this.run();
    };
  }

  private async run(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    while (this.queue.length > 0) {
      const f = this.queue.shift() as Frame;
      await this.handle(f);
    }
    this.busy = false;
  }

  private send(frames: Uint8Array[]): void {
    for (const f of frames) this.host.fromDevice(f);
  }

  private async handle(f: Frame): Promise<void> {
    if (f.type === this.o.hangOn) this.o.silent = true;
    if (this.o.silent) return;
    const key = `${f.type}:${f.seq}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.send(hit);
      return;
    }
    this.seen++;
    if (this.o.ignoreEvery && this.seen % this.o.ignoreEvery === 0) return;
    this.executed.set(f.type, (this.executed.get(f.type) ?? 0) + 1);
    const out: Uint8Array[] = [];
    const reply = (payload: Uint8Array) =>
      out.push(encodeFrame({ type: f.type | 0x80, seq: f.seq, payload }));
    const fail = (status: number, msg: string) => reply(new W().u16(status).str(msg).bytes);
    const segmented = (body: Uint8Array) => {
      const s = 2064 - 18;
      const parts = Math.max(1, Math.ceil(body.length / s));
      for (let k = 0; k < parts; k++) {
        reply(
          new W()
            .u16(0)
            .u16(k)
            .u16(parts)
            .u32(body.length)
            .raw(body.subarray(k * s, (k + 1) * s)).bytes,
        );
      }
    };
    const p = f.payload;
    const v = new DataView(p.buffer, p.byteOffset, p.length);
    let after: (() => Promise<void>) | undefined;
    switch (f.type) {
      case Cmd.HELLO:
        reply(
          new W()
            .u16(0)
            .u16(1)
            .u16(2064)
            .u16(8)
            .u32(16384)
            .u32(1_000_000)
            .u32(1_000_000)
            .u8(5)
            .u8(1)
            .u8(0)
            .u8(0)
            .u8(0)
            .u32(this.o.modelRam)
            .u32(65536)
            .raw(new Uint8Array(32).fill(0xab))
            .str('fake')
            .str('cortex-m0')
            .str('soft')
            .str('ref')
            .str('')
            .str('0.0.0')
            .str('none')
            .str('counter').bytes,
        );
        break;
      case Cmd.UPLOAD_BEGIN: {
        const total = v.getUint32(0, true);
        if (total > this.o.modelRam) {
          fail(
            0x103,
            `model of ${total} bytes does not fit the ${this.o.modelRam} bytes of model RAM`,
          );
          break;
        }
        this.model = undefined;
        this.upload = {
          total,
          crc: v.getUint32(4, true),
          data: new Uint8Array(total),
          got: new Coverage(),
        };
        reply(new W().u16(0).bytes);
        break;
      }
      case Cmd.UPLOAD_CHUNK: {
        const u = this.upload;
        if (!u) {
          fail(0x104, 'no upload');
          break;
        }
        const off = v.getUint32(0, true);
        const data = p.subarray(4);
        if (off + data.length > u.total) {
          fail(0x105, `chunk ${off}+${data.length} outside ${u.total}`);
          break;
        }
        if (!u.got.add(off, data.length)) {
          fail(0x110, `UPLOAD_CHUNK: offset ${off} + length ${data.length}: too many ranges`);
          break;
        }
        u.data.set(data, off);
        reply(new W().u16(0).u32(u.got.bytes).bytes);
        break;
      }
      case Cmd.UPLOAD_END: {
        const u = this.upload;
        this.upload = undefined;
        if (!u) fail(0x104, 'no upload');
        else if (u.got.bytes !== u.total) fail(0x106, `${u.got.bytes} of ${u.total} bytes`);
        else if (crc32(u.data) !== u.crc) fail(0x107, 'crc');
        else if (new TextDecoder().decode(u.data.subarray(0, 3)) === 'BAD') {
          fail(4, 'layer 2: operator LSTM is not in this build');
        } else {
          this.model = u.data;
          this.input = new Uint8Array(this.o.inputBytes);
          this.output = new Uint8Array(this.o.outputBytes);
          const w = new W().u32(u.total).u32(4000).u32(3000).u16(this.o.layers).u8(1).u8(1);
          for (let l = 0; l < this.o.layers; l++) w.u8(l % 2);
          for (let l = 0; l < this.o.layers; l++) w.str(LAYER_OPS[l % LAYER_OPS.length]);
          w.u8(9).u8(2).u32(1).u32(this.o.inputBytes).u32(this.o.inputBytes).u32(0x3f800000).u32(0);
          w.u8(9)
            .u8(2)
            .u32(1)
            .u32(this.o.outputBytes)
            .u32(this.o.outputBytes)
            .u32(0x3b800000)
            .u32(0xffffff80);
          segmented(w.bytes);
        }
        break;
      }
      case Cmd.SET_INPUT: {
        if (!this.model) {
          fail(0x108, 'no model');
          break;
        }
        const off = v.getUint32(1, true);
        const data = p.subarray(5);
        if (p[0] !== 0) fail(0x109, 'index');
        else if (off + data.length > this.input.length) fail(0x10a, 'range');
        else {
          this.input.set(data, off);
          reply(new W().u16(0).bytes);
        }
        break;
      }
      case Cmd.INVOKE: {
        if (!this.model) {
          fail(0x108, 'no model');
          break;
        }
        const warmup = v.getUint16(0, true);
        const repeats = v.getUint16(2, true);
        const L = this.o.layers;
        if (12 + 4 * repeats * (L + 1) > 16384) {
          fail(0x10b, 'too many repeats');
          break;
        }
        for (let k = 0; k < warmup + repeats; k++) await this.infer(this.input, this.output);
        const w = new W().u16(warmup).u16(repeats).u16(L).u16(0).u32(1_000_000);
        for (let k = 0; k < repeats; k++) {
          let sum = 0;
          for (let l = 0; l < L; l++) {
            w.u32(100 * (l + 1));
            sum += 100 * (l + 1);
          }
          w.u32(sum + 7);
        }
        segmented(w.bytes);
        break;
      }
      case Cmd.GET_OUTPUT: {
        const off = v.getUint32(1, true);
        const len = v.getUint16(5, true);
        if (!this.model) fail(0x108, 'no model');
        else if (off + len > this.output.length) fail(0x10a, 'range');
        else
          reply(
            new W()
              .u16(0)
              .u32(off)
              .raw(this.output.subarray(off, off + len)).bytes,
          );
        break;
      }
      case Cmd.EVAL_BEGIN:
        if (!this.model) {
          fail(0x108, 'no model');
          break;
        }
        this.evalState = {
          count: v.getUint32(0, true),
          slots: [undefined, undefined],
          recv: new Map(),
          done: new Set(),
        };
        reply(new W().u16(0).u32(this.o.inputBytes).u32(this.o.outputBytes).u8(2).bytes);
        break;
      case Cmd.EVAL_SAMPLE: {
        const e = this.evalState;
        const sample = v.getUint32(0, true);
        const off = v.getUint32(4, true);
        const data = p.subarray(9);
        if (!e || sample >= e.count || e.done.has(sample)) {
          fail(0x10c, `sample ${sample}: no evaluation, out of range or done`);
          break;
        }
        const slot = sample % 2;
        const buf = (e.slots[slot] ??= new Uint8Array(this.o.inputBytes));
        const busy = [...e.recv.keys()].find(
          (k) => k % 2 === slot && k !== sample && !e.done.has(k),
        );
        if (busy !== undefined) {
          fail(0x10d, `slot ${slot} holds sample ${busy}`);
          break;
        }
        if (off + data.length > this.o.inputBytes) {
          fail(0x10a, 'range');
          break;
        }
        const got = e.recv.get(sample) ?? new Coverage();
        e.recv.set(sample, got);
        if (!got.add(off, data.length)) {
          fail(0x110, `EVAL_SAMPLE: sample ${sample}: too many ranges`);
          break;
        }
        buf.set(data, off);
        reply(new W().u16(0).u32(sample).u32(got.bytes).bytes);
        if (got.bytes === this.o.inputBytes) {
          e.done.add(sample);
          const input = buf.slice();
          after = async () => {
            const output = new Uint8Array(this.o.outputBytes);
            await this.infer(input, output);
            const r = encodeFrame({
              type: EVAL_RESULT,
              seq: f.seq,
              payload: new W().u32(sample).u16(0).u32(1234).raw(output).bytes,
            });
            out.push(r);
            this.send([r]);
          };
        }
        break;
      }
      case Cmd.RESET:
        reply(new W().u16(0).bytes);
        this.model = undefined;
        this.upload = undefined;
        this.evalState = undefined;
        break;
      case Cmd.PING:
        reply(new W().u16(0).u32(1).u32(0).raw(p).bytes);
        break;
      default:
        fail(0x100, `unknown command 0x${f.type.toString(16)}`);
    }
    this.cache.set(key, out);
    if (this.cache.size > 8) this.cache.delete(this.cache.keys().next().value as string);
    this.send(out.slice());
    if (after) await after();
  }

  private async infer(input: Uint8Array, output: Uint8Array): Promise<void> {
    this.inferences++;
    let sum = 0;
    for (const b of input) sum += b;
    for (let i = 0; i < output.length; i++) output[i] = (sum + i * 7) & 0xff;
    if (this.o.inferMs > 0) await new Promise((r) => setTimeout(r, this.o.inferMs));
    if (this.queue.length > 0) this.nextWaiting++;
  }
}

/** What the fake computes for an input, for assertions. */
export function fakeOutput(input: Uint8Array, outputBytes = 10): Uint8Array {
  let sum = 0;
  for (const b of input) sum += b;
  return Uint8Array.from({ length: outputBytes }, (_, i) => (sum + i * 7) & 0xff);
}
