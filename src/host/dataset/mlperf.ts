// The MLPerf Tiny evaluation layout (EEMBC EnergyRunner): a folder of raw little-endian
// sample files and y_labels.csv beside them, one row per sample:
//   <file name>,<number of classes>,<class>
// and for anomaly detection two more columns, a sliding window width and stride in bytes:
//   <file name>,2,<0 normal | 1 anomaly>,<window bytes>,<stride bytes>
// (mlcommons/tiny benchmark/evaluation/datasets/README.md).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from './errors.ts';

export interface LabelRow {
  file: string;
  classes: number;
  label: number;
  /** The CSV line (1-based), for messages. */
  line: number;
  window?: { width: number; stride: number };
}

/** Parses y_labels.csv text; `file` names it in errors. Blank lines are skipped. */
export function parseLabelsCsv(text: string, file: string): LabelRow[] {
  const rows: LabelRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const cols = line.split(',').map((c) => c.trim());
    const at = `${file}:${i + 1}`;
    if (cols.length !== 3 && cols.length !== 5) {
      throw new DatasetError(
        'bad-labels',
        at,
        `expected "file,classes,label" (or with window,stride), got ${cols.length} columns: "${line}"`,
      );
    }
    const int = (s: string, what: string): number => {
      if (!/^\d+$/.test(s)) {
        throw new DatasetError('bad-labels', at, `${what} "${s}" is not a whole number`);
      }
      return Number.parseInt(s, 10);
    };
    if (cols[0] === '') throw new DatasetError('bad-labels', at, 'empty file name');
    const row: LabelRow = {
      file: cols[0],
      classes: int(cols[1], 'number of classes'),
      label: int(cols[2], 'label'),
      line: i + 1,
    };
    if (cols.length === 5) {
      row.window = { width: int(cols[3], 'window width'), stride: int(cols[4], 'stride') };
    }
    rows.push(row);
  }
  return rows;
}

/** The sample files of y_labels.csv, concatenated, and where each one's model inputs lie. */
export interface SampleFiles {
  bytes: Uint8Array;
  /** Byte offset of file i in bytes. */
  starts: number[];
  /** Model inputs in file i: 1, or the number of sliding windows. */
  windows: number[];
  /** Bytes between the starts of two windows of file i (0 without windows). */
  strides: number[];
}

/**
 * Reads every sample named in rows from dir. A file without a window must hold exactly
 * sampleBytes; with a window (MLPerf anomaly sets) the window must be one sample and the
 * file holds floor((size - width) / stride) + 1 of them, as the EnergyRunner slides it.
 */
export async function readSamples(
  dir: string,
  rows: readonly LabelRow[],
  sampleBytes: number,
  elementBytes: number,
): Promise<SampleFiles> {
  const files: Uint8Array[] = [];
  const starts: number[] = [];
  const windows: number[] = [];
  const strides: number[] = [];
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const file = path.join(dir, row.file);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (e) {
      throw new DatasetError(
        'missing-file',
        file,
        `cannot read (y_labels.csv line ${row.line}): ${e instanceof Error ? e.message : String(e)}`,
        { sample: i, cause: e },
      );
    }
    if (row.window === undefined) {
      if (bytes.length !== sampleBytes) {
        throw new DatasetError(
          'sample-size',
          file,
          `holds ${bytes.length} bytes, one sample of the manifest's shape and dtype is ${sampleBytes}`,
          { sample: i },
        );
      }
      windows.push(1);
      strides.push(0);
    } else {
      const { width, stride } = row.window;
      if (width !== sampleBytes) {
        throw new DatasetError(
          'shape-mismatch',
          file,
          `y_labels.csv line ${row.line} slides a window of ${width} bytes, one sample of the manifest's shape and dtype is ${sampleBytes}`,
          { sample: i },
        );
      }
      if (stride < 1 || stride % elementBytes !== 0) {
        throw new DatasetError(
          'bad-labels',
          file,
          `y_labels.csv line ${row.line}: stride ${stride} is not a positive multiple of the ${elementBytes}-byte element`,
          { sample: i },
        );
      }
      if (bytes.length < width || bytes.length % elementBytes !== 0) {
        throw new DatasetError(
          'sample-size',
          file,
          `holds ${bytes.length} bytes: not a whole number of ${elementBytes}-byte elements of at least one ${width}-byte window`,
          { sample: i },
        );
      }
      windows.push(Math.floor((bytes.length - width) / stride) + 1);
      strides.push(stride);
    }
    starts.push(total);
    files.push(bytes);
    total += bytes.length;
  }
  const out = new Uint8Array(total);
  files.forEach((f, i) => out.set(f, starts[i]));
  return { bytes: out, starts, windows, strides };
}
