// Progress of a long evaluation on stderr. A bar redrawn in place on a terminal (or when
// forced), plain periodic lines in CI logs, where carriage returns turn into one huge
// line; and nothing at all for runs that end within ~1.5 s, so quick runs stay quiet.

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Draw the bar even when the stream is not a terminal. Default false. */
  forceBar?: boolean;
  /** Names the run in each line. Default 'evaluating'. */
  label?: string;
  /** Silence before the first output, ms. Default 1500. */
  delayMs?: number;
  /** Between plain lines (non-terminal), ms. Default 5000. Bars redraw at most every 100 ms. */
  intervalMs?: number;
  /** Clock in ms; injected by tests. Default performance.now. */
  now?: () => number;
}

const BAR_WIDTH = 30;
const BAR_REDRAW_MS = 100;

export class Progress {
  private readonly total: number;
  private readonly stream: ProgressStream;
  private readonly bar: boolean;
  private readonly label: string;
  private readonly delayMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly start: number;
  private last = -Infinity;
  private shown = false;
  private finished = false;

  constructor(total: number, opts: ProgressOptions = {}) {
    this.total = total;
    this.stream = opts.stream ?? process.stderr;
    this.bar = opts.forceBar === true || this.stream.isTTY === true;
    this.label = opts.label ?? 'evaluating';
    this.delayMs = opts.delayMs ?? 1500;
    this.intervalMs = opts.intervalMs ?? 5000;
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
  }

  /** `done` samples of `total` are finished. Cheap when nothing is due. */
  update(done: number): void {
    if (this.finished) return;
    const t = this.now();
    const elapsed = t - this.start;
    if (elapsed < this.delayMs) return;
    if (t - this.last < (this.bar ? BAR_REDRAW_MS : this.intervalMs)) return;
    this.last = t;
    this.shown = true;
    this.stream.write(this.bar ? `\r${this.line(done, elapsed)}` : `${this.line(done, elapsed)}\n`);
  }

  /** Ends the run: a final line when anything was shown (so logs show how it ended). */
  finish(done: number): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.shown) return;
    const line = this.line(done, this.now() - this.start);
    this.stream.write(this.bar ? `\r${line}\n` : `${line}\n`);
  }

  private line(done: number, elapsedMs: number): string {
    const frac = this.total === 0 ? 1 : Math.min(1, done / this.total);
    const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
    const eta = rate > 0 ? (this.total - done) / rate : 0;
    const stats = `${done}/${this.total} ${(frac * 100).toFixed(0)}% ${rate.toFixed(0)} samples/s ${fmtSeconds(elapsedMs / 1000)} elapsed${done < this.total ? `, ~${fmtSeconds(eta)} left` : ''}`;
    if (!this.bar) return `${this.label}: ${stats}`;
    const filled = Math.round(frac * BAR_WIDTH);
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${stats}`;
  }
}

function fmtSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
