// Datasets for host evaluation: the manifest (dataset.json), NumPy .npy and the MLPerf
// Tiny layout. See docs/datasets.md.
export { DatasetError, type DatasetErrorCode } from './errors.ts';
export { loadDataset } from './load.ts';
export { elementAt, encodeNpy, parseNpy, type NpyArray, type NpyDtype } from './npy.ts';
export { parseLabelsCsv, type LabelRow } from './mlperf.ts';
export type { Dataset, DatasetManifest, DatasetTask, SampleDtype } from './types.ts';
