// Paces both directions of a transport to a byte rate, to measure the protocol over a
// simulated UART (bench/link): a pty or the virtual board's pipe has no baud rate of
// its own. Bytes are released in slices of about 2 ms of line time against a deadline
// clock, so timer jitter does not lower the average rate.

import { TransportBase, type Transport } from './transport.ts';

/** Bytes per second of an 8N1 UART at `baud` (10 bits on the line per byte). */
export function uartBytesPerSecond(baud: number): number {
  return baud / 10;
}

class Line {
  private queue: { bytes: Uint8Array; done?: () => void }[] = [];
  private freeAt = 0;
  private pumping = false;
  private readonly slice: number;
  private stopped = false;
  private readonly bytesPerSecond: number;
  private readonly deliver: (bytes: Uint8Array) => void;

  constructor(bytesPerSecond: number, deliver: (bytes: Uint8Array) => void) {
    this.bytesPerSecond = bytesPerSecond;
    this.deliver = deliver;
    this.slice = Math.max(1, Math.floor(bytesPerSecond / 500));
  }

  push(bytes: Uint8Array, done?: () => void): void {
    this.queue.push({ bytes, done });
    if (!this.pumping) void this.pump();
  }

  stop(): void {
    this.stopped = true;
    for (const q of this.queue) q.done?.();
    this.queue = [];
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    // An idle line starts now; a busy one continues from its deadline (catching up).
    this.freeAt = Math.max(this.freeAt, performance.now());
    while (this.queue.length > 0 && !this.stopped) {
      const head = this.queue[0];
      const n = Math.min(this.slice, head.bytes.length);
      this.freeAt += (n * 1000) / this.bytesPerSecond;
      const wait = this.freeAt - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (this.stopped) break;
      this.deliver(head.bytes.subarray(0, n));
      if (n === head.bytes.length) {
        this.queue.shift();
        head.done?.();
      } else {
        head.bytes = head.bytes.subarray(n);
      }
    }
    this.pumping = false;
  }
}

export class PacedTransport extends TransportBase {
  private readonly inner: Transport;
  private readonly out: Line;
  private readonly in: Line;

  /** Paces `inner` at `bytesPerSecond` in each direction (a full-duplex UART). */
  constructor(inner: Transport, bytesPerSecond: number) {
    super();
    if (!(bytesPerSecond > 0)) throw new RangeError(`pacing: bytesPerSecond ${bytesPerSecond}`);
    this.inner = inner;
    let failure: Error | undefined;
    this.out = new Line(bytesPerSecond, (b) => {
      inner.write(b).catch((e: unknown) => {
        failure ??= e instanceof Error ? e : new Error(String(e));
      });
    });
    this.in = new Line(bytesPerSecond, (b) => this.emitData(b));
    inner.on('data', (chunk) => this.in.push(chunk));
    inner.on('close', (e) => {
      this.out.stop();
      this.in.stop();
      this.emitClose(e ?? failure);
    });
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.assertOpen('paced write');
    return new Promise((resolve) => this.out.push(bytes.slice(), resolve));
  }

  async close(): Promise<void> {
    this.out.stop();
    this.in.stop();
    this.emitClose();
    await this.inner.close();
  }
}
