// The test digits as a dataset: written to disk in the dataset.json + .npy format the
// `eval` command reads, or wrapped in memory (the whole test split is not committed,
// but it is evaluated through the same Dataset interface).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeNpy, type Dataset, type DatasetManifest } from '../../src/host/dataset/index.ts';
import { PIXEL_SCALE, SIDE, floatImage, type Digits } from './data.ts';

const SHAPE = [SIDE, SIDE, 1];

function manifest(name: string, count: number, inputs: string, labels: string): DatasetManifest {
  return {
    schemaVersion: 1,
    name,
    task: 'classification',
    layout: 'npy',
    inputs,
    labels,
    // Pixels as bytes: a quarter of float32's size, and exactly what MNIST stores.
    dtype: 'uint8',
    shape: SHAPE,
    preprocessing: { scale: PIXEL_SCALE, offset: 0 },
    classes: 10,
    count,
  };
}

/** Writes dir/dataset.json, dir/x_test.npy (uint8 [N,28,28,1]) and dir/y_test.npy (uint8 [N]). */
export async function writeTestSet(dir: string, d: Digits, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const m = manifest(name, d.count, 'x_test.npy', 'y_test.npy');
  await writeFile(path.join(dir, m.inputs), encodeNpy('uint8', [d.count, ...SHAPE], d.images));
  await writeFile(path.join(dir, m.labels), encodeNpy('uint8', [d.count], d.labels));
  const file = path.join(dir, 'dataset.json');
  await writeFile(file, `${JSON.stringify(m, null, 2)}\n`);
  return file;
}

/** d as a Dataset without files; inputs are computed as the loader computes them. */
export function memoryDataset(d: Digits, name: string): Dataset {
  return {
    manifest: manifest(name, d.count, '(in memory)', '(in memory)'),
    path: `(in memory: ${name})`,
    count: d.count,
    shape: SHAPE,
    input: (i) => floatImage(d, i),
    label: (i) => d.labels[i],
    source: (i) => `${name} sample ${i}`,
  };
}
