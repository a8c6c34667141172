// The dataset manifest (dataset.json, schemas/dataset.schema.json) and the loaded dataset.

export type DatasetTask = 'classification' | 'regression' | 'anomaly';
export type DatasetLayout = 'npy' | 'mlperf-bin';
export type SampleDtype = 'float32' | 'uint8' | 'int8';

export interface DatasetManifest {
  schemaVersion: 1;
  name: string;
  task: DatasetTask;
  layout: DatasetLayout;
  /** npy: a .npy of [N, ...shape]; mlperf-bin: the folder of raw .bin samples. Relative to dataset.json. */
  inputs: string;
  /** npy: a .npy of N labels; mlperf-bin: y_labels.csv. Relative to dataset.json. */
  labels: string;
  /** Element type of the stored samples. */
  dtype: SampleDtype;
  /** One sample, without the batch dimension. */
  shape: number[];
  /** float feature = raw * scale + offset. Default scale 1, offset 0. */
  preprocessing?: { scale: number; offset: number };
  /** Number of classes (classification); labels must lie in [0, classes). */
  classes?: number;
  /** Expected number of samples; a check against truncated copies. */
  count?: number;
}

export interface Dataset {
  manifest: DatasetManifest;
  /** The dataset.json it was loaded from. */
  path: string;
  count: number;
  shape: number[];
  /**
   * The float features of sample i, after preprocessing (a fresh array). `window` picks
   * one of the sample's sliding windows (MLPerf anomaly sets); default 0.
   */
  input(i: number, window?: number): Float32Array;
  label(i: number): number;
  /** Model inputs in sample i: 1, or its number of sliding windows. Absent means 1. */
  windows?(i: number): number;
  /** Where sample i lives, for error messages: the .bin file, or the .npy with its index. */
  source(i: number): string;
}
