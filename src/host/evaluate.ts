// Host evaluation: one runner over one dataset, sample by sample, into the task's
// metrics. The outputs are kept so that two runs over the same samples can be compared
// (drift between a float model and its int8 twin, or host and device).
import { DatasetError } from './dataset/errors.ts';
import type { Dataset, DatasetTask } from './dataset/types.ts';
import {
  anomaly,
  argmax,
  classification,
  drift as outputDrift,
  regression,
  type AnomalyMetrics,
  type ClassificationMetrics,
  type Drift,
  type RegressionMetrics,
} from './metrics.ts';
import { Progress, type ProgressOptions } from './progress.ts';
import { RunnerError, type Runner } from './runners.ts';

export interface EvalMetrics {
  classification?: ClassificationMetrics;
  regression?: RegressionMetrics;
  anomaly?: AnomalyMetrics;
}

export interface EvalResult {
  model: string;
  dataset: string;
  task: DatasetTask;
  /** Samples evaluated (the first `count` of the dataset). */
  count: number;
  durationMs: number;
  samplesPerSecond: number;
  metrics: EvalMetrics;
  labels: number[];
  /** Per sample: the class (argmax), the regression value or the anomaly score. */
  predictions: number[];
  /** Per sample: the model's float outputs (dequantized). */
  outputs: Float32Array[];
}

export interface EvaluateOptions {
  /** Evaluate only the first `limit` samples. Default: all. */
  limit?: number;
  /** Progress on stderr (see Progress): true, or its options. Default false. */
  progress?: boolean | ProgressOptions;
}

/** One run, as the eval JSON document (schemas/eval.schema.json) records it. */
export interface EvalRun {
  model: string;
  durationMs: number;
  samplesPerSecond: number;
  metrics: EvalMetrics;
}

export interface EvalDocument {
  schemaVersion: 1;
  dataset: { path: string; name: string; task: DatasetTask; samples: number; total: number };
  run: EvalRun;
  reference?: EvalRun & { drift: Drift };
}

export async function evaluate(
  runner: Runner,
  dataset: Dataset,
  opts: EvaluateOptions = {},
): Promise<EvalResult> {
  const count = Math.min(dataset.count, opts.limit ?? dataset.count);
  if (!Number.isInteger(count) || count < 1) {
    throw new DatasetError('empty', dataset.path, `nothing to evaluate (limit ${opts.limit})`);
  }
  checkShape(runner, dataset);
  const task = dataset.manifest.task;
  const progress =
    opts.progress === undefined || opts.progress === false
      ? null
      : new Progress(count, opts.progress === true ? {} : opts.progress);
  const outputs: Float32Array[] = [];
  const labels: number[] = [];
  const predictions: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const windows = dataset.windows?.(i) ?? 1;
    if (windows === 1) {
      const x = dataset.input(i);
      const y = runner.run(x);
      outputs.push(y);
      predictions.push(predict(task, x, y, dataset, runner, i));
    } else {
      // MLPerf anomaly files: the score is the mean of the windows' scores (as the
      // reference AD evaluation averages the reconstruction errors); the outputs of all
      // windows are kept, concatenated, for drift.
      const ys: Float32Array[] = [];
      let score = 0;
      for (let w = 0; w < windows; w++) {
        const x = dataset.input(i, w);
        const y = runner.run(x);
        ys.push(y);
        score += predict(task, x, y, dataset, runner, i);
      }
      outputs.push(concat(ys));
      predictions.push(score / windows);
    }
    labels.push(dataset.label(i));
    progress?.update(i + 1);
  }
  const durationMs = performance.now() - t0;
  progress?.finish(count);
  return {
    model: runner.name,
    dataset: dataset.manifest.name,
    task,
    count,
    durationMs,
    samplesPerSecond: durationMs > 0 ? (count * 1000) / durationMs : 0,
    metrics: metricsFor(dataset, labels, predictions, outputs, runner),
    labels,
    predictions,
    outputs,
  };
}

/** Drift of b against a: both must be runs over the same samples. */
export function compareRuns(a: EvalResult, b: EvalResult): Drift {
  if (a.count !== b.count || a.dataset !== b.dataset) {
    throw new RangeError(
      `runs over different samples: ${a.count} of "${a.dataset}" and ${b.count} of "${b.dataset}"`,
    );
  }
  const wa = a.outputs[0]?.length ?? 0;
  const wb = b.outputs[0]?.length ?? 0;
  if (wa !== wb) {
    throw new RunnerError(
      'incomparable',
      `${a.model} outputs ${wa} values per sample, ${b.model} ${wb}: their outputs cannot be compared`,
    );
  }
  return outputDrift(a.outputs, b.outputs);
}

export function toEvalRun(r: EvalResult): EvalRun {
  return {
    model: r.model,
    durationMs: r.durationMs,
    samplesPerSecond: r.samplesPerSecond,
    metrics: r.metrics,
  };
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function checkShape(runner: Runner, dataset: Dataset): void {
  if (runner.inputShape === undefined) return;
  const want = runner.inputShape.reduce((a, b) => a * b, 1);
  const have = dataset.shape.reduce((a, b) => a * b, 1);
  // Equal element counts suffice: samples are row-major, [490] feeds [49,10,1] as is.
  if (want !== have) {
    throw new DatasetError(
      'shape-mismatch',
      dataset.path,
      `samples of shape [${dataset.shape.join(',')}] (${have} values) do not fit the input [${runner.inputShape.join(',')}] (${want} values) of ${runner.name}`,
    );
  }
}

function predict(
  task: DatasetTask,
  x: Float32Array,
  y: Float32Array,
  dataset: Dataset,
  runner: Runner,
  i: number,
): number {
  const fail = (message: string): DatasetError =>
    new DatasetError('output-mismatch', dataset.path, `${runner.name}: ${message}`, { sample: i });
  if (task === 'classification') {
    if (y.length === 0) throw fail('the model has an empty output');
    return argmax(y);
  }
  if (task === 'regression') {
    if (y.length !== 1) throw fail(`a regression model must output 1 value, not ${y.length}`);
    return y[0];
  }
  // Anomaly score: the model's single score, the probability of class 1 of a two-class
  // model, or an autoencoder's reconstruction error (mean squared, as MLPerf Tiny AD scores).
  if (y.length === 1) return y[0];
  if (y.length === 2) return y[1];
  if (y.length === x.length) {
    let s = 0;
    for (let k = 0; k < y.length; k++) s += (y[k] - x[k]) ** 2;
    return s / y.length;
  }
  throw fail(
    `an anomaly model outputs 1 score, 2 class scores or a reconstruction of its ${x.length} inputs, not ${y.length} values`,
  );
}

function metricsFor(
  dataset: Dataset,
  labels: number[],
  predictions: number[],
  outputs: Float32Array[],
  runner: Runner,
): EvalMetrics {
  const task = dataset.manifest.task;
  if (task === 'regression') return { regression: regression(labels, predictions) };
  if (task === 'anomaly') return { anomaly: anomaly(labels, predictions) };
  const width = outputs[0].length;
  const classes = dataset.manifest.classes ?? width;
  if (width < classes) {
    throw new DatasetError(
      'output-mismatch',
      dataset.path,
      `${dataset.manifest.classes} classes, but ${runner.name} outputs ${width} scores`,
    );
  }
  labels.forEach((y, i) => {
    if (y >= classes) {
      throw new DatasetError(
        'label-out-of-range',
        dataset.source(i),
        `label ${y} is not below the ${classes} classes of ${runner.name}'s output`,
        { sample: i },
      );
    }
  });
  return { classification: classification(labels, predictions, Math.max(classes, width)) };
}
