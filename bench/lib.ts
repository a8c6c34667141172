// Helpers shared by the benchmarks: timing with warm-ups, order statistics, a plain
// table, and a results file that records where and when the figures were measured.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'results');

export interface Timing {
  /** Milliseconds, in run order (warm-ups excluded). */
  samples: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Median absolute deviation from the median: a spread that ignores outliers. */
  madMs: number;
}

/** Median of a non-empty list (mean of the two middle values for even lengths). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/** The last result of a timed call, kept so the work cannot be optimised away. */
export let sink: unknown = null;

/** Runs `fn` `warmups` times untimed (JIT, caches), then `runs` times timed one by one. */
export function time(fn: () => unknown, runs = 21, warmups = 3): Timing {
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be >= 1, not ${runs}`);
  for (let i = 0; i < warmups; i++) sink = fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    sink = fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return {
    samples,
    medianMs: median(samples),
    minMs: Math.min(...samples),
    maxMs: Math.max(...samples),
    madMs: mad(samples),
  };
}

/** Where the figures were measured: they mean little without it. */
export function machine(): { node: string; platform: string; cpu: string; cores: number } {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
  };
}

/**
 * Writes bench/results/<name>.json with the date and machine, through a temporary file
 * and a rename, so an interrupted run never leaves half a document. Returns the path.
 */
export function writeResults(name: string, results: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  const doc = { benchmark: name, date: new Date().toISOString(), machine: machine(), results };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Plain padded columns; columns listed in `right` are right-aligned (numbers). */
export function formatTable(
  header: string[],
  rows: string[][],
  right: ReadonlySet<number>,
): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string =>
    widths
      .map((w, c) => (right.has(c) ? (r[c] ?? '').padStart(w) : (r[c] ?? '').padEnd(w)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
