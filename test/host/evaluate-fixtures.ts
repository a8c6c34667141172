// Small generated models and dataset folders for the dataset, evaluation and eval CLI
// tests: the suite stands without shared/, and every expected number follows from the
// construction.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelBuilder, fullyConnectedOptions, reshapeOptions } from '../../src/model/builder.ts';
import { writeModel } from '../../src/model/writer.ts';
import { encodeNpy, type NpyDtype } from '../../src/host/dataset/npy.ts';
import type { DatasetManifest } from '../../src/host/dataset/types.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const shared = path.resolve(repoRoot, '..', 'shared');

/** y = W x + b, float32, [1,4] -> [1,3]. */
export const FC_W = [
  [1, 0, 0, 0],
  [0, 2, 0, 0],
  [0, 0, -1, 1],
];
export const FC_B = [0.5, 0, -0.25];

export function floatFcModel(): Uint8Array {
  const b = new ModelBuilder();
  const x = b.addTensor({ name: 'x', shape: [1, 4], type: 'float32' });
  const w = b.addTensor({
    name: 'w',
    shape: [3, 4],
    type: 'float32',
    data: Float32Array.from(FC_W.flat()),
  });
  const bias = b.addTensor({
    name: 'b',
    shape: [3],
    type: 'float32',
    data: Float32Array.from(FC_B),
  });
  const y = b.addTensor({ name: 'y', shape: [1, 3], type: 'float32' });
  b.addOperator('FULLY_CONNECTED', [x, w, bias], [y], fullyConnectedOptions());
  b.setInputs([x]);
  b.setOutputs([y]);
  return writeModel(b.build());
}

export function fcReference(x: ArrayLike<number>): number[] {
  return FC_W.map((row, r) => row.reduce((s, w, k) => s + w * x[k], FC_B[r]));
}

/** int8 [1,4] -> RESHAPE -> int8 [1,4], both scale 0.5, zero point -3: run(x) = dequant(quant(x)). */
export const Q_SCALE = 0.5;
export const Q_ZP = -3;

export function int8IdentityModel(): Uint8Array {
  const b = new ModelBuilder();
  const q = { scale: [Q_SCALE], zeroPoint: [Q_ZP], quantizedDimension: 0 };
  const x = b.addTensor({ name: 'x', shape: [1, 4], type: 'int8', quantization: q });
  const y = b.addTensor({ name: 'y', shape: [1, 4], type: 'int8', quantization: q });
  b.addOperator('RESHAPE', [x], [y], reshapeOptions({ newShape: [1, 4] }));
  b.setInputs([x]);
  b.setOutputs([y]);
  return writeModel(b.build());
}

export interface NpySpec {
  dtype: NpyDtype;
  shape: number[];
  data: ArrayLike<number>;
}

/** Writes dataset.json + x.npy + y.npy into dir; returns the manifest path. */
export function writeNpyDataset(
  dir: string,
  inputs: NpySpec,
  labels: NpySpec,
  manifest: Partial<DatasetManifest> = {},
): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'x.npy'), encodeNpy(inputs.dtype, inputs.shape, inputs.data));
  writeFileSync(path.join(dir, 'y.npy'), encodeNpy(labels.dtype, labels.shape, labels.data));
  const doc: DatasetManifest = {
    schemaVersion: 1,
    name: path.basename(dir),
    task: 'classification',
    layout: 'npy',
    inputs: 'x.npy',
    labels: 'y.npy',
    dtype: inputs.dtype === 'float64' ? 'float32' : (inputs.dtype as DatasetManifest['dtype']),
    shape: inputs.shape.slice(1),
    ...manifest,
  };
  const file = path.join(dir, 'dataset.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

/** Writes an MLPerf Tiny folder (samples/*.bin + samples/y_labels.csv) and dataset.json. */
export function writeMlperfDataset(
  dir: string,
  samples: Uint8Array[],
  labels: number[],
  classes: number,
  manifest: Partial<DatasetManifest> & Pick<DatasetManifest, 'dtype' | 'shape'>,
): string {
  const folder = path.join(dir, 'samples');
  mkdirSync(folder, { recursive: true });
  const rows = samples.map((s, i) => {
    const name = `s_${String(i).padStart(4, '0')}.bin`;
    writeFileSync(path.join(folder, name), s);
    return `${name},${classes},${labels[i]}`;
  });
  writeFileSync(path.join(folder, 'y_labels.csv'), `${rows.join('\n')}\n`);
  const doc: DatasetManifest = {
    schemaVersion: 1,
    name: path.basename(dir),
    task: 'classification',
    layout: 'mlperf-bin',
    inputs: 'samples',
    labels: 'samples/y_labels.csv',
    ...manifest,
  };
  const file = path.join(dir, 'dataset.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

/** Deterministic uniform values (a 32-bit LCG), so generated sets are the same on every run. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
