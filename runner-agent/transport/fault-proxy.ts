// A transport wrapper that damages the line in both directions, reproducibly: garbage
// bytes between frames, bit flips inside frames, dropped and duplicated frames, all drawn
// from a seeded PRNG. It splits the byte stream at the 0x00 delimiters (it knows the
// framing, as a noisy UART does not, so that drops and duplicates hit whole frames).

import { TransportBase, type Transport } from './transport.ts';

export interface FaultRates {
  /** Probability, per frame, of random garbage bytes (1..32, zeros included) before it. */
  garbage?: number;
  /** Probability, per frame, of one flipped bit somewhere in it. */
  bitFlip?: number;
  /** Probability that a frame is dropped. */
  drop?: number;
  /** Probability that a frame is sent twice. */
  duplicate?: number;
}

export interface FaultProxyOptions {
  seed: number;
  /** Faults on frames from the host to the device. */
  toDevice?: FaultRates;
  /** Faults on frames from the device to the host. */
  fromDevice?: FaultRates;
}

export interface FaultCounts {
  frames: number;
  garbage: number;
  bitFlips: number;
  drops: number;
  duplicates: number;
}

/** mulberry32: small, fast, and good enough to spread faults; the same seed replays them. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Largest run of bytes without a delimiter kept before it is passed on as it is. */
const MAX_PENDING = 1 << 16;

class Damager {
  readonly counts: FaultCounts = { frames: 0, garbage: 0, bitFlips: 0, drops: 0, duplicates: 0 };
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly rates: FaultRates;
  private readonly random: () => number;
  private readonly send: (bytes: Uint8Array) => void;

  constructor(rates: FaultRates, random: () => number, send: (bytes: Uint8Array) => void) {
    this.rates = rates;
    this.random = random;
    this.send = send;
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    while (start < chunk.length) {
      const zero = chunk.indexOf(0, start);
      if (zero < 0) {
        this.pending.push(chunk.slice(start));
        this.pendingBytes += chunk.length - start;
        if (this.pendingBytes > MAX_PENDING) this.flushRaw();
        return;
      }
      this.pending.push(chunk.subarray(start, zero + 1));
      const frame = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      this.frame(frame);
      start = zero + 1;
    }
  }

  private flushRaw(): void {
    this.send(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }

  private frame(frame: Uint8Array): void {
    const r = this.rates;
    this.counts.frames++;
    if (r.garbage && this.random() < r.garbage) {
      const n = 1 + Math.floor(this.random() * 32);
      const junk = new Uint8Array(n);
      for (let i = 0; i < n; i++) junk[i] = Math.floor(this.random() * 256);
      this.counts.garbage++;
      this.send(junk);
    }
    if (r.drop && this.random() < r.drop) {
      this.counts.drops++;
      return;
    }
    // The delimiter itself is left alone: a flip there is a drop plus garbage, covered above.
    if (r.bitFlip && frame.length > 1 && this.random() < r.bitFlip) {
      const at = Math.floor(this.random() * (frame.length - 1));
      frame[at] ^= 1 << Math.floor(this.random() * 8);
      this.counts.bitFlips++;
    }
    this.send(frame);
    if (r.duplicate && this.random() < r.duplicate) {
      this.counts.duplicates++;
      this.send(frame);
    }
  }
}

export class FaultProxy extends TransportBase {
  private readonly inner: Transport;
  private readonly down: Damager;
  private readonly up: Damager;

  constructor(inner: Transport, options: FaultProxyOptions) {
    super();
    this.inner = inner;
    // One generator per direction: the faults do not depend on how the two interleave.
    let failure: Error | undefined;
    this.down = new Damager(options.toDevice ?? {}, seededRandom(options.seed), (b) => {
      inner.write(b).catch((e: unknown) => {
        failure ??= e instanceof Error ? e : new Error(String(e));
      });
    });
    this.up = new Damager(options.fromDevice ?? {}, seededRandom(options.seed ^ 0x9e3779b9), (b) =>
      this.emitData(b),
    );
    inner.on('data', (chunk) => this.up.push(chunk));
    inner.on('close', (e) => this.emitClose(e ?? failure));
  }

  /** Faults injected so far; tests assert they really happened. */
  get injected(): { toDevice: FaultCounts; fromDevice: FaultCounts } {
    return { toDevice: { ...this.down.counts }, fromDevice: { ...this.up.counts } };
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.assertOpen('fault proxy write');
    this.down.push(bytes);
  }

  async close(): Promise<void> {
    this.emitClose();
    await this.inner.close();
  }
}
