// Metrics of host evaluation: pure functions over labels and model outputs, so they can
// be checked against hand-computed tables and reused for on-device predictions.

export interface ClassStats {
  class: number;
  /** Samples whose label is this class. */
  count: number;
  correct: number;
  /** correct / count; null when the class has no samples. */
  accuracy: number | null;
}

export interface ClassificationMetrics {
  count: number;
  correct: number;
  /** Top-1 accuracy in [0, 1]. */
  top1: number;
  perClass: ClassStats[];
  /** confusion[label][predicted] = samples. */
  confusion: number[][];
}

export interface RegressionMetrics {
  count: number;
  mae: number;
  rmse: number;
}

export interface AnomalyMetrics {
  count: number;
  normal: number;
  anomalous: number;
  /** Area under the ROC curve; null when one of the two classes has no samples. */
  auc: number | null;
}

export interface Drift {
  count: number;
  /** Largest |a - b| over every output value of every sample. */
  maxAbsDiff: number;
  meanAbsDiff: number;
  /** Samples whose argmax agrees. */
  agree: number;
  /** agree / count in [0, 1]. */
  agreement: number;
  /** Indices of the samples whose argmax differs, ascending. */
  disagreeing: number[];
}

/** Index of the largest value; the first one on ties (as numpy and TF do). */
export function argmax(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('argmax of an empty output');
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export function classification(
  labels: readonly number[],
  predicted: readonly number[],
  classes: number,
): ClassificationMetrics {
  sameLength(labels, predicted);
  if (!Number.isInteger(classes) || classes < 1) {
    throw new RangeError(`classes must be a whole number >= 1, not ${classes}`);
  }
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    const p = predicted[i];
    if (!inClasses(y, classes))
      throw new RangeError(`label ${y} of sample ${i} is not in [0, ${classes})`);
    if (!inClasses(p, classes))
      throw new RangeError(`prediction ${p} of sample ${i} is not in [0, ${classes})`);
    confusion[y][p]++;
    if (y === p) correct++;
  }
  const perClass = confusion.map((row, c) => {
    const count = row.reduce((a, b) => a + b, 0);
    return { class: c, count, correct: row[c], accuracy: count === 0 ? null : row[c] / count };
  });
  const count = labels.length;
  return { count, correct, top1: count === 0 ? 0 : correct / count, perClass, confusion };
}

export function regression(
  labels: readonly number[],
  predicted: readonly number[],
): RegressionMetrics {
  sameLength(labels, predicted);
  let abs = 0;
  let sq = 0;
  for (let i = 0; i < labels.length; i++) {
    const d = predicted[i] - labels[i];
    abs += Math.abs(d);
    sq += d * d;
  }
  const n = labels.length;
  return { count: n, mae: n === 0 ? 0 : abs / n, rmse: n === 0 ? 0 : Math.sqrt(sq / n) };
}

/**
 * Exact ROC AUC: the Mann-Whitney U statistic over midranks, i.e. the probability that a
 * random anomalous sample scores higher than a random normal one, ties counting one half.
 * labels: 1 = anomaly, 0 = normal.
 */
export function anomaly(labels: readonly number[], scores: readonly number[]): AnomalyMetrics {
  sameLength(labels, scores);
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    // Ranks i+1 .. j+1 share their mean.
    const mid = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) {
      const y = labels[order[k]];
      if (y !== 0 && y !== 1)
        throw new RangeError(`anomaly label ${y} of sample ${order[k]} is not 0 or 1`);
      if (y === 1) {
        rankSumPos += mid;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  const auc = pos === 0 || neg === 0 ? null : (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
  return { count: n, normal: neg, anomalous: pos, auc };
}

/** How far runner b's outputs are from runner a's, sample by sample. */
export function drift(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): Drift {
  sameLength(a, b);
  let maxAbsDiff = 0;
  let sumAbs = 0;
  let values = 0;
  const disagreeing: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i].length !== b[i].length) {
      throw new RangeError(`sample ${i}: outputs of ${a[i].length} and ${b[i].length} values`);
    }
    for (let k = 0; k < a[i].length; k++) {
      const d = Math.abs(a[i][k] - b[i][k]);
      if (d > maxAbsDiff) maxAbsDiff = d;
      sumAbs += d;
    }
    values += a[i].length;
    if (argmax(a[i]) !== argmax(b[i])) disagreeing.push(i);
  }
  const count = a.length;
  const agree = count - disagreeing.length;
  return {
    count,
    maxAbsDiff,
    meanAbsDiff: values === 0 ? 0 : sumAbs / values,
    agree,
    agreement: count === 0 ? 0 : agree / count,
    disagreeing,
  };
}

function inClasses(v: number, classes: number): boolean {
  return Number.isInteger(v) && v >= 0 && v < classes;
}

function sameLength(a: { length: number }, b: { length: number }): void {
  if (a.length !== b.length) throw new RangeError(`${a.length} labels/outputs against ${b.length}`);
}
