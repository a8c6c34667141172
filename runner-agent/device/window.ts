// Flow control of the requests on the line: at most `window` outstanding, within `rxBuffer`
// encoded bytes, and no more than `window - 1` seqs past the oldest unanswered one. The
// last rule keeps every retransmission within the device's response cache (its last
// `window` requests, docs/protocol.md section 5): a sliding count alone lets the line run
// far ahead of a lost request, whose retransmission is then executed a second time.
// Requests get room in the order they asked for it.

interface Waiter {
  seq: number;
  bytes: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class SendWindow {
  /** Limits from HELLO; before it, one request at a time. */
  window = 1;
  rxBuffer = Number.POSITIVE_INFINITY;
  private readonly waiters: Waiter[] = [];
  /** Seqs sent (or about to be) and not yet answered, in sending order. */
  private readonly outstanding = new Set<number>();
  private bytes = 0;

  /** Encoded bytes of the outstanding requests (what the line still has to carry). */
  get inFlightBytes(): number {
    return this.bytes;
  }

  setLimits(window: number, rxBuffer: number): void {
    this.window = window;
    this.rxBuffer = rxBuffer;
    this.wake();
  }

  /** Resolves when the request may go on the line; `release` it once answered or failed. */
  acquire(seq: number, bytes: number): Promise<void> {
    if (this.waiters.length === 0 && this.fits(seq, bytes)) {
      this.take(seq, bytes);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiters.push({ seq, bytes, resolve, reject }));
  }

  release(seq: number, bytes: number): void {
    if (!this.outstanding.delete(seq)) return;
    this.bytes -= bytes;
    this.wake();
  }

  /** Fails every request still waiting for room. */
  failWaiting(error: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  private fits(seq: number, bytes: number): boolean {
    if (this.outstanding.size === 0) return true;
    if (this.outstanding.size >= this.window || this.bytes + bytes > this.rxBuffer) return false;
    const oldest = this.outstanding.values().next().value as number;
    // A re-request of an older seq (evaluate.ts) waits until nothing is outstanding: executed
    // anew, it takes a cache entry, which must not push out one a retransmission may need.
    return ((seq - oldest) & 0xffff) < this.window;
  }

  private take(seq: number, bytes: number): void {
    this.outstanding.add(seq);
    this.bytes += bytes;
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0].seq, this.waiters[0].bytes)) {
      const w = this.waiters.shift() as Waiter;
      this.take(w.seq, w.bytes);
      w.resolve();
    }
  }
}
