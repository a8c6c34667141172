// loadDataset: dataset.json -> a Dataset whose every sample has been checked up front
// (sizes, counts, label ranges, finite floats), so an evaluation never fails half-way
// on a bad file, and every error names the file and the sample.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SchemaError } from '../../schema/errors.ts';
import { validate } from '../../schema/validate.ts';
import { DatasetError } from './errors.ts';
import { parseLabelsCsv, readSamples, type LabelRow } from './mlperf.ts';
import { elementAt, parseNpy, type NpyArray, type NpyDtype } from './npy.ts';
import type { Dataset, DatasetManifest, SampleDtype } from './types.ts';

type Raw = Float32Array | Int8Array | Uint8Array;

const SAMPLE_BYTES: Record<SampleDtype, number> = { float32: 4, uint8: 1, int8: 1 };

export async function loadDataset(manifestPath: string): Promise<Dataset> {
  const manifest = await readManifest(manifestPath);
  const dir = path.dirname(manifestPath);
  const inputsPath = path.resolve(dir, manifest.inputs);
  const labelsPath = path.resolve(dir, manifest.labels);
  const sampleElements = manifest.shape.reduce((a, b) => a * b, 1);

  let raw: Raw;
  let labels: Float64Array;
  let source: (i: number) => string;
  // Element offsets of each sample's first model input, their count and spacing: one input
  // per sample except in MLPerf anomaly sets, whose files are read as sliding windows.
  let starts: (i: number) => number = (i) => i * sampleElements;
  let windows: (i: number) => number = () => 1;
  let strides: (i: number) => number = () => 0;
  if (manifest.layout === 'npy') {
    const inputs = parseNpy(await readOrThrow(inputsPath), inputsPath);
    raw = npyInputs(inputs, manifest, inputsPath, sampleElements);
    labels = npyLabels(parseNpy(await readOrThrow(labelsPath), labelsPath), manifest, labelsPath);
    const n = raw.length / sampleElements;
    if (labels.length !== n) {
      throw new DatasetError(
        'count-mismatch',
        labelsPath,
        `${labels.length} labels for ${n} samples in ${inputsPath}`,
      );
    }
    source = (i) => `${inputsPath} [${i}]`;
  } else {
    const text = Buffer.from(await readOrThrow(labelsPath)).toString('utf8');
    const rows = parseLabelsCsv(text, labelsPath);
    for (const row of rows) checkRow(row, manifest, labelsPath);
    const element = SAMPLE_BYTES[manifest.dtype];
    const files = await readSamples(inputsPath, rows, sampleElements * element, element);
    raw = typedSamples(manifest.dtype, files.bytes);
    labels = Float64Array.from(rows, (r) => r.label);
    source = (i) => path.join(inputsPath, rows[i].file);
    starts = (i) => files.starts[i] / element;
    windows = (i) => files.windows[i];
    strides = (i) => files.strides[i] / element;
  }

  const count = labels.length;
  if (count === 0) throw new DatasetError('empty', manifestPath, 'the dataset holds no samples');
  if (manifest.count !== undefined && manifest.count !== count) {
    throw new DatasetError(
      'count-mismatch',
      manifestPath,
      `"count" is ${manifest.count}, the files hold ${count} samples`,
    );
  }
  checkLabels(labels, manifest, source);
  const scale = manifest.preprocessing?.scale ?? 1;
  const offset = manifest.preprocessing?.offset ?? 0;
  checkFinite(raw, scale, offset, labels.length, starts, raw.length, source);

  return {
    manifest,
    path: manifestPath,
    count,
    shape: [...manifest.shape],
    input(i: number, window = 0): Float32Array {
      inRange(i, count, manifestPath);
      if (!Number.isInteger(window) || window < 0 || window >= windows(i)) {
        throw new RangeError(`${source(i)}: window ${window} does not exist (${windows(i)})`);
      }
      const out = new Float32Array(sampleElements);
      const base = starts(i) + window * strides(i);
      for (let k = 0; k < sampleElements; k++) out[k] = raw[base + k] * scale + offset;
      return out;
    },
    label(i: number): number {
      inRange(i, count, manifestPath);
      return labels[i];
    },
    windows(i: number): number {
      inRange(i, count, manifestPath);
      return windows(i);
    },
    source,
  };
}

/** A y_labels.csv row against the manifest: classes, label range, windows only for anomaly sets. */
function checkRow(row: LabelRow, m: DatasetManifest, labelsPath: string): void {
  const at = `${labelsPath}:${row.line}`;
  if (m.classes !== undefined && row.classes !== m.classes) {
    throw new DatasetError(
      'label-out-of-range',
      at,
      `says ${row.classes} classes, the manifest ${m.classes}`,
    );
  }
  if (m.task !== 'regression' && row.label >= row.classes) {
    throw new DatasetError(
      'label-out-of-range',
      at,
      `label ${row.label} of "${row.file}" is not below its ${row.classes} classes`,
    );
  }
  if (row.window !== undefined && m.task !== 'anomaly') {
    // Windows exist for the anomaly set, where a file's score is the mean over its windows;
    // no rule says how a classification or regression would combine them.
    throw new DatasetError(
      'unsupported-layout',
      at,
      `sliding windows (window ${row.window.width}, stride ${row.window.stride}) are only read for anomaly tasks, this dataset's task is ${m.task}`,
    );
  }
}

async function readManifest(file: string): Promise<DatasetManifest> {
  const text = Buffer.from(await readOrThrow(file)).toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new DatasetError('bad-manifest', file, `not JSON (${describe(e)})`);
  }
  try {
    validate('dataset', doc, file);
  } catch (e) {
    // One line for the CLI: every problem as `<pointer>: <message>`, the file named once.
    if (e instanceof SchemaError) {
      const problems = e.problems.map((p) => {
        const at = p.key === undefined ? p.pointer : `${p.pointer}/${p.key}`;
        return `${at === '' ? '/' : at}: ${p.message}`;
      });
      throw new DatasetError('bad-manifest', file, problems.join('; '), { cause: e });
    }
    throw e;
  }
  return doc;
}

/** The .npy of inputs as one flat array of the manifest's dtype, N samples of the shape. */
function npyInputs(a: NpyArray, m: DatasetManifest, file: string, per: number): Raw {
  const want: Record<SampleDtype, NpyDtype[]> = {
    float32: ['float32', 'float64'],
    int8: ['int8'],
    uint8: ['uint8'],
  };
  if (!want[m.dtype].includes(a.dtype)) {
    throw new DatasetError(
      'dtype-mismatch',
      file,
      `holds ${a.dtype}, the manifest says ${m.dtype}`,
    );
  }
  const sample = a.shape.slice(1);
  const elements = sample.reduce((x, y) => x * y, 1);
  if (a.shape.length < 2 || elements !== per) {
    throw new DatasetError(
      'shape-mismatch',
      file,
      `shape (${a.shape.join(', ')}) is not [N, ${m.shape.join(', ')}] (the manifest's shape)`,
    );
  }
  if (a.data instanceof Float64Array) return Float32Array.from(a.data);
  return a.data as Raw;
}

function npyLabels(a: NpyArray, m: DatasetManifest, file: string): Float64Array {
  if (a.shape.length === 0 || a.shape.slice(1).some((d) => d !== 1)) {
    throw new DatasetError(
      'shape-mismatch',
      file,
      `labels must be shaped (N,) or (N, 1), not (${a.shape.join(', ')})`,
    );
  }
  const integer = ['int8', 'uint8', 'int32', 'int64'].includes(a.dtype);
  if (m.task !== 'regression' && !integer) {
    throw new DatasetError(
      'dtype-mismatch',
      file,
      `${m.task} labels must be integers, the file holds ${a.dtype}`,
    );
  }
  return Float64Array.from({ length: a.shape[0] }, (_, i) => elementAt(a.data, i));
}

function typedSamples(dtype: SampleDtype, bytes: Uint8Array): Raw {
  // readSamples allocates a fresh buffer, so offsets are 0 and float32 views are aligned.
  if (dtype === 'float32') return new Float32Array(bytes.buffer, 0, bytes.length / 4);
  if (dtype === 'int8') return new Int8Array(bytes.buffer, 0, bytes.length);
  return bytes;
}

function checkLabels(
  labels: Float64Array,
  m: DatasetManifest,
  source: (i: number) => string,
): void {
  const classes = m.task === 'anomaly' ? 2 : m.classes;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isFinite(y)) {
      throw new DatasetError('not-finite', source(i), `label is ${y}`, { sample: i });
    }
    if (m.task === 'regression') continue;
    if (!Number.isInteger(y) || y < 0 || (classes !== undefined && y >= classes)) {
      const range = classes === undefined ? 'a class index >= 0' : `in [0, ${classes})`;
      throw new DatasetError('label-out-of-range', source(i), `label ${y} is not ${range}`, {
        sample: i,
      });
    }
  }
}

/** Every stored element of every sample, before and after preprocessing, is finite. */
function checkFinite(
  raw: Raw,
  scale: number,
  offset: number,
  count: number,
  starts: (i: number) => number,
  end: number,
  source: (i: number) => string,
): void {
  for (let i = 0; i < count; i++) {
    const from = starts(i);
    const to = i + 1 < count ? starts(i + 1) : end;
    for (let k = from; k < to; k++) {
      const v = raw[k] * scale + offset;
      if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v))) {
        const after = scale !== 1 || offset !== 0 ? ` (${v} after preprocessing)` : '';
        throw new DatasetError(
          'not-finite',
          source(i),
          `element ${k - from} is ${raw[k]}${after}`,
          {
            sample: i,
          },
        );
      }
    }
  }
}

function inRange(i: number, count: number, file: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= count) {
    throw new RangeError(`${file}: sample ${i} does not exist (the dataset has ${count})`);
  }
}

async function readOrThrow(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new DatasetError('missing-file', file, `cannot read (${describe(e)})`, { cause: e });
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
