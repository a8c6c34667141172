// Push parser: bytes in (any chunking), frames out. The unfinished tail is kept in one
// buffer bounded by the largest legal encoded frame; a frame longer than that, or one
// that fails COBS/CRC/length checks, is reported and dropped, and parsing resumes at the
// next 0x00 (resynchronisation). Bytes are copied at most once per frame, and not at all
// when a frame arrives whole within one chunk.

import { cobsMaxEncoded } from './cobs.ts';
import { ProtocolError } from './errors.ts';
import { decodeFrame, MAX_FRAME_BYTES, type Frame } from './frame.ts';

export interface FrameParserOptions {
  /** Largest decoded frame accepted. Default MAX_FRAME_BYTES (2064). */
  maxFrameBytes?: number;
  onFrame: (frame: Frame) => void;
  /** A dropped frame, with the reason; default: ignored (the counters still count it). */
  onError?: (error: ProtocolError) => void;
}

export interface FrameParserStats {
  frames: number;
  /** Frames dropped for a COBS, length, CRC or version error. */
  errors: number;
  /** Bytes thrown away while resynchronising (dropped frames included). */
  discardedBytes: number;
}

export class FrameParser {
  readonly stats: FrameParserStats = { frames: 0, errors: 0, discardedBytes: 0 };
  private readonly maxFrameBytes: number;
  private readonly tail: Uint8Array;
  private tailLength = 0;
  /** An oversize frame is being skipped up to the next delimiter. */
  private skipping = false;
  private readonly onFrame: (frame: Frame) => void;
  private readonly onError: (error: ProtocolError) => void;

  constructor(options: FrameParserOptions) {
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    this.tail = new Uint8Array(cobsMaxEncoded(this.maxFrameBytes));
    this.onFrame = options.onFrame;
    this.onError = options.onError ?? (() => {});
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    while (start < chunk.length) {
      const zero = chunk.indexOf(0, start);
      const end = zero < 0 ? chunk.length : zero;
      const piece = chunk.subarray(start, end);
      if (this.skipping) {
        this.stats.discardedBytes += piece.length;
      } else if (this.tailLength + piece.length > this.tail.length) {
        this.stats.discardedBytes += this.tailLength + piece.length;
        this.tailLength = 0;
        this.skipping = true;
        this.fail(
          new ProtocolError(
            'frame-too-long',
            `frame longer than ${this.tail.length} encoded bytes (limit ${this.maxFrameBytes} decoded): skipped to the next delimiter`,
          ),
        );
      } else if (zero >= 0 && this.tailLength === 0) {
        this.deliver(piece);
      } else {
        this.tail.set(piece, this.tailLength);
        this.tailLength += piece.length;
        if (zero >= 0) {
          const whole = this.tail.subarray(0, this.tailLength);
          this.tailLength = 0;
          this.deliver(whole);
        }
      }
      if (zero < 0) return;
      this.skipping = false;
      start = zero + 1;
    }
  }

  /** Drops a partial frame (after a reset of the device or a reopened port). */
  reset(): void {
    this.stats.discardedBytes += this.tailLength;
    this.tailLength = 0;
    this.skipping = false;
  }

  private deliver(encoded: Uint8Array): void {
    // Back-to-back delimiters are idle fill: a sender may flush a half frame with one.
    if (encoded.length === 0) return;
    let frame: Frame;
    try {
      frame = decodeFrame(encoded, this.maxFrameBytes);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.stats.discardedBytes += encoded.length;
      this.fail(e);
      return;
    }
    this.stats.frames++;
    this.onFrame(frame);
  }

  private fail(error: ProtocolError): void {
    this.stats.errors++;
    this.onError(error);
  }
}
