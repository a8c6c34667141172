// Errors of dataset loading and evaluation. Callers branch on `code`; the message names
// the file and, where one sample is at fault, its index, so a CI log alone says what to fix.

export type DatasetErrorCode =
  /** dataset.json, an inputs/labels file or a sample file does not exist or cannot be read. */
  | 'missing-file'
  /** dataset.json is not JSON or does not follow schemas/dataset.schema.json. */
  | 'bad-manifest'
  /** A .npy file without the magic, with an unreadable header or an unsupported version. */
  | 'bad-npy-header'
  /** A .npy dtype this loader does not read (big-endian, float16, structured, ...). */
  | 'unsupported-dtype'
  /** A .npy array stored in Fortran order. */
  | 'fortran-order'
  /** A .npy file holds fewer bytes than its header's shape needs. */
  | 'truncated'
  /** A .npy file holds more bytes than its header's shape needs. */
  | 'trailing-bytes'
  /** The file's element type is not the manifest's dtype. */
  | 'dtype-mismatch'
  /** A sample's element count differs from the manifest's shape, or the shape from the model's input. */
  | 'shape-mismatch'
  /** A raw .bin sample does not hold exactly one sample of the manifest's shape and dtype. */
  | 'sample-size'
  /** Inputs and labels hold different numbers of samples, or manifest.count disagrees. */
  | 'count-mismatch'
  /** A malformed y_labels.csv row. */
  | 'bad-labels'
  /** A label outside [0, classes), or not an integer where classes are expected. */
  | 'label-out-of-range'
  /** NaN or Infinity in a float input (after preprocessing). */
  | 'not-finite'
  /** A feature of the layout this loader does not implement (MLPerf sliding windows). */
  | 'unsupported-layout'
  /** The model's output cannot serve the dataset's task (e.g. a regression model with 10 outputs). */
  | 'output-mismatch'
  /** No samples to evaluate. */
  | 'empty';

export class DatasetError extends Error {
  readonly code: DatasetErrorCode;
  /** The file at fault. */
  readonly file: string;
  /** The sample at fault, when one is. */
  readonly sample?: number;

  constructor(
    code: DatasetErrorCode,
    file: string,
    message: string,
    opts: { sample?: number; cause?: unknown } = {},
  ) {
    const where = opts.sample === undefined ? file : `${file}: sample ${opts.sample}`;
    super(`${where}: ${message}`, { cause: opts.cause });
    this.name = 'DatasetError';
    this.code = code;
    this.file = file;
    if (opts.sample !== undefined) this.sample = opts.sample;
  }
}
