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

/** Raw bytes of every sample named in rows, read from dir; each must be sampleBytes long. */
export async function readSamples(
  dir: string,
  rows: readonly LabelRow[],
  sampleBytes: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(rows.length * sampleBytes);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const file = path.join(dir, row.file);
    if (row.window !== undefined && row.window.width !== sampleBytes) {
      // Sliding windows (MLPerf AD) make several model inputs of one file; not implemented.
      throw new DatasetError(
        'unsupported-layout',
        file,
        `a sliding window of ${row.window.width} bytes (stride ${row.window.stride}) over the file; only a window of one whole sample (${sampleBytes} bytes) is supported`,
        { sample: i },
      );
    }
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
    if (bytes.length !== sampleBytes) {
      throw new DatasetError(
        'sample-size',
        file,
        `holds ${bytes.length} bytes, one sample of the manifest's shape and dtype is ${sampleBytes}`,
        { sample: i },
      );
    }
    out.set(bytes, i * sampleBytes);
  }
  return out;
}
