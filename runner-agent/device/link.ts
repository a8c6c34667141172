// Request/response over a transport: sequence numbers, a window of outstanding requests
// (window.ts), a timeout per request, retransmission with the SAME
// seq (the device answers a duplicate from its cache instead of executing twice), and
// reassembly of segmented responses. Never hangs: every request ends in a response, a
// DeviceTimeoutError, or the transport's close.

import { DeviceError, ProtocolError } from '../protocol/errors.ts';
import { FrameParser } from '../protocol/frame-parser.ts';
import {
  encodeFrame,
  LOG_TYPE,
  MAX_FRAME_BYTES,
  RESPONSE_BIT,
  STREAM_FIRST,
  type Frame,
} from '../protocol/frame.ts';
import { cmdName, decodeLog, responseBody, type LogLine } from '../protocol/messages.ts';
import { SegmentAssembler } from '../protocol/segments.ts';
import type { Transport } from '../transport/transport.ts';
import { ClientError, DeviceTimeoutError } from './errors.ts';
import { SendWindow } from './window.ts';

export interface LinkOptions {
  /**
   * Line rate, bytes per second: a request's timer first allows for the bytes queued ahead
   * of it, then restarts when the transport has taken the frame. Default 11520.
   */
  bytesPerSecond?: number;
  /** Retransmissions after the first attempt. Default 3 (docs/protocol.md section 5). */
  retries?: number;
  onLog?: (line: LogLine) => void;
  /** A frame dropped by the parser (noise, CRC); default ignored, counted in stats. */
  onLineError?: (error: ProtocolError) => void;
}

export interface LinkStats {
  requests: number;
  /** Retransmissions after a timeout. */
  retransmits: number;
  /** Retransmissions because a later request was answered first (a loss, seen early). */
  fastRetransmits: number;
  /** Responses for no outstanding request: duplicates and answers to retransmissions. */
  staleResponses: number;
  framesIn: number;
  lineErrors: number;
  discardedBytes: number;
  bytesOut: number;
  bytesIn: number;
}

export interface Prepared {
  type: number;
  seq: number;
  frame: Uint8Array;
}

export interface RequestOptions {
  timeoutMs: number;
  /**
   * Timeout of the retransmissions, when shorter: a command whose first timeout already
   * covers a slow execution (INVOKE) is answered from the device's cache at once if the
   * device is alive, so a hung board is declared after one long wait, not four.
   */
  retryTimeoutMs?: number;
  /** Retransmissions for this request; default the link's. */
  retries?: number;
  /** Segmented response: the largest body accepted. */
  segmentedMaxBody?: number;
}

interface Pending {
  req: Prepared;
  name: string;
  opts: RequestOptions;
  attempts: number;
  /** Order of the latest transmission among all transmissions of this link. */
  sentAt: number;
  /** Some response frame (a part of a segmented one) came back. */
  heard: boolean;
  fastRetransmits: number;
  timer?: NodeJS.Timeout;
  assembler?: SegmentAssembler;
  resolve: (body: Uint8Array) => void;
  reject: (e: Error) => void;
}

/** Bound on inferred-loss retransmissions of one request (a confused device cannot loop us). */
const MAX_FAST_RETRANSMITS = 8;

export class RequestLink {
  readonly stats: LinkStats = {
    requests: 0,
    retransmits: 0,
    fastRetransmits: 0,
    staleResponses: 0,
    framesIn: 0,
    lineErrors: 0,
    discardedBytes: 0,
    bytesOut: 0,
    bytesIn: 0,
  };
  /** Largest frame, from HELLO; before it, v1's maximum. */
  maxFrame = MAX_FRAME_BYTES;
  /** Device -> host frames 0xC0..0xFE (EVAL_RESULT); unknown ones are ignored. */
  onStream: ((frame: Frame) => void) | undefined;
  /** The first response to a transmission: its seq and sending order (see `sentAt`). */
  onAnswered: ((seq: number, sentAt: number) => void) | undefined;

  private readonly transport: Transport;
  private readonly retries: number;
  private readonly bytesPerSecond: number;
  private readonly onLog: (line: LogLine) => void;
  private readonly parser: FrameParser;
  private readonly pending = new Map<number, Pending>();
  private readonly window = new SendWindow();
  private nextSeq = 0;
  private sendCounter = 0;
  private closedBy: Error | undefined;
  private readonly onData: (chunk: Uint8Array) => void;
  private readonly onClose: (error?: Error) => void;

  constructor(transport: Transport, options: LinkOptions = {}) {
    this.transport = transport;
    this.retries = options.retries ?? 3;
    this.bytesPerSecond = options.bytesPerSecond ?? 11520;
    this.onLog = options.onLog ?? (() => {});
    // The device never sends more than v1's maximum (decodeHello refuses a larger one).
    this.parser = new FrameParser({
      maxFrameBytes: MAX_FRAME_BYTES,
      onFrame: (f) => this.onFrame(f),
      onError: options.onLineError ?? (() => {}),
    });
    this.onData = (chunk) => {
      this.stats.bytesIn += chunk.length;
      this.parser.push(chunk);
      this.stats.framesIn = this.parser.stats.frames;
      this.stats.lineErrors = this.parser.stats.errors;
      this.stats.discardedBytes = this.parser.stats.discardedBytes;
    };
    this.onClose = (e) =>
      this.shutdown(
        new ClientError('closed', `link closed${e ? `: ${e.message}` : ''}`, { cause: e }),
      );
    transport.on('data', this.onData);
    transport.on('close', this.onClose);
    // A leading delimiter ends whatever noise the device may have half-received.
    this.rawWrite(new Uint8Array([0])).catch(() => {});
  }

  /** Sets the limits announced by HELLO. */
  setLimits(maxFrame: number, window: number, rxBuffer: number): void {
    this.maxFrame = maxFrame;
    this.window.setLimits(window, rxBuffer);
  }

  /** Allocates a seq and encodes the frame; send() it now or later (in allocation order). */
  prepare(type: number, payload: Uint8Array): Prepared {
    const seq = this.nextSeq;
    this.nextSeq = (this.nextSeq + 1) & 0xffff;
    return { type, seq, frame: encodeFrame({ type, seq, payload }, this.maxFrame) };
  }

  request(type: number, payload: Uint8Array, opts: RequestOptions): Promise<Uint8Array> {
    return this.send(this.prepare(type, payload), opts);
  }

  /**
   * Sends a prepared request (again, for a re-request with the same seq) and resolves with
   * the response body after the status; a non-zero status rejects with DeviceError.
   */
  async send(req: Prepared, opts: RequestOptions): Promise<Uint8Array> {
    const name = cmdName(req.type);
    if (this.closedBy) throw new ClientError('closed', `${name}: ${this.closedBy.message}`);
    await this.window.acquire(req.seq, req.frame.length);
    return new Promise((resolve, reject) => {
      if (this.closedBy) {
        this.window.release(req.seq, req.frame.length);
        reject(new ClientError('closed', `${name}: ${this.closedBy.message}`));
        return;
      }
      const p: Pending = {
        req,
        name,
        opts,
        attempts: 0,
        sentAt: 0,
        heard: false,
        fastRetransmits: 0,
        resolve,
        reject,
      };
      if (opts.segmentedMaxBody !== undefined) {
        p.assembler = new SegmentAssembler(
          `${name} response`,
          this.maxFrame,
          opts.segmentedMaxBody,
        );
      }
      const clash = this.pending.get(req.seq);
      if (clash) this.finish(clash, new ClientError('closed', `${name}: seq ${req.seq} reused`));
      this.pending.set(req.seq, p);
      this.stats.requests++;
      this.transmit(p);
    });
  }

  /**
   * Fails every outstanding request, refuses new ones and lets go of the transport (which
   * stays open: a new client may take it over).
   */
  shutdown(error: Error): void {
    if (this.closedBy) return;
    this.closedBy = error;
    this.transport.off('data', this.onData);
    this.transport.off('close', this.onClose);
    for (const p of [...this.pending.values()]) this.finish(p, error);
    this.window.failWaiting(error);
  }

  /** Drops any half-received frame (after a device reset). */
  resetParser(): void {
    this.parser.reset();
  }

  /** `fast`: a loss inferred from a later answer; it does not use up the timeout attempts. */
  private transmit(p: Pending, fast = false): void {
    if (fast) {
      p.fastRetransmits++;
      this.stats.fastRetransmits++;
    } else {
      p.attempts++;
      if (p.attempts > 1) this.stats.retransmits++;
    }
    p.sentAt = ++this.sendCounter;
    const attempt = p.sentAt;
    // Until the transport has taken the frame, allow for everything queued ahead of it (a
    // paced line or a full pty); a transport that never takes it still times out.
    const queued = (this.window.inFlightBytes * 1000) / this.bytesPerSecond;
    this.arm(p, this.timeoutOf(p) + queued);
    this.rawWrite(p.req.frame, p).then(
      () => {
        if (p.attempts === attempt && this.pending.get(p.req.seq) === p)
          this.arm(p, this.timeoutOf(p));
      },
      () => {},
    );
  }

  private timeoutOf(p: Pending): number {
    return p.attempts > 1 && p.opts.retryTimeoutMs !== undefined
      ? p.opts.retryTimeoutMs
      : p.opts.timeoutMs;
  }

  private arm(p: Pending, ms: number): void {
    clearTimeout(p.timer);
    p.timer = setTimeout(() => this.onTimeout(p), ms);
  }

  private async rawWrite(bytes: Uint8Array, p?: Pending): Promise<void> {
    this.stats.bytesOut += bytes.length;
    try {
      await this.transport.write(bytes);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      if (p) this.finish(p, err);
      throw err;
    }
  }

  private onTimeout(p: Pending): void {
    if (this.pending.get(p.req.seq) !== p) return;
    if (p.attempts <= (p.opts.retries ?? this.retries)) this.transmit(p);
    else this.finish(p, new DeviceTimeoutError(p.name, p.req.seq, p.attempts, p.opts.timeoutMs));
  }

  private onFrame(f: Frame): void {
    if (f.type === LOG_TYPE) {
      try {
        this.onLog(decodeLog(f.payload));
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
      }
      return;
    }
    if (f.type >= STREAM_FIRST) {
      this.onStream?.(f);
      return;
    }
    if (!(f.type & RESPONSE_BIT)) return;
    const p = this.pending.get(f.seq);
    if (!p || (p.req.type | RESPONSE_BIT) !== f.type) {
      this.stats.staleResponses++;
      return;
    }
    if (!p.heard) {
      p.heard = true;
      this.answered(p);
    }
    try {
      const body = responseBody(p.name, f.payload);
      if (!p.assembler) {
        this.finish(p, undefined, body);
        return;
      }
      const whole = p.assembler.add(body);
      if (whole) this.finish(p, undefined, whole);
    } catch (e) {
      if (e instanceof DeviceError || e instanceof ProtocolError) this.finish(p, e);
      else throw e;
    }
  }

  /**
   * The device handles requests in order and answers each before reading the next, so an
   * answer to a later transmission means every earlier unanswered one was lost (request or
   * response): send those again now instead of waiting for their timeouts.
   */
  private answered(p: Pending): void {
    for (const q of this.pending.values()) {
      if (q !== p && !q.heard && q.sentAt < p.sentAt && q.fastRetransmits < MAX_FAST_RETRANSMITS) {
        this.transmit(q, true);
      }
    }
    this.onAnswered?.(p.req.seq, p.sentAt);
  }

  private finish(p: Pending, error: Error | undefined, body?: Uint8Array): void {
    clearTimeout(p.timer);
    if (this.pending.get(p.req.seq) !== p) return;
    this.pending.delete(p.req.seq);
    this.window.release(p.req.seq, p.req.frame.length);
    if (error) p.reject(error);
    else p.resolve(body ?? new Uint8Array(0));
  }
}
