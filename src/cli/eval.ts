// `tinyml-gate eval`: host accuracy of a model (.tflite in the TFLite runtime, or a TF.js
// model.json) over a dataset.json, with per-class figures and, against a reference
// model, the drift and argmax agreement between the two over the same samples.
import { loadDataset } from '../host/dataset/index.ts';
import type { Dataset } from '../host/dataset/types.ts';
import {
  compareRuns,
  evaluate,
  toEvalRun,
  type EvalDocument,
  type EvalMetrics,
  type EvalResult,
} from '../host/evaluate.ts';
import type { Drift } from '../host/metrics.ts';
import { runnerFor, type Runner } from '../host/runners.ts';
import { validate } from '../schema/validate.ts';
import { UsageError, parseArgs } from './args.ts';
import type { CliIo } from './main.ts';

export const EVAL_USAGE = [
  'usage: tinyml-gate eval --model M --dataset D [--reference M2] [--limit N] [--json]',
  '',
  'Host evaluation (docs/datasets.md): runs the model over the dataset and prints its',
  'accuracy (classification), MAE/RMSE (regression) or AUC (anomaly) and the per-class',
  'table. With --reference, runs that model over the same samples too and prints how',
  'far the outputs drift and how often the argmax agrees.',
  '',
  'options:',
  '  --model M       a .tflite (TFLite runtime) or a TF.js Layers model.json',
  '  --dataset D     dataset.json (schemas/dataset.schema.json)',
  '  --reference M2  a second model to compare with (e.g. the float model of an int8 one)',
  '  --limit N       evaluate only the first N samples',
  '  --json          print a JSON document (schemas/eval.schema.json) instead of text',
  '  --progress      draw the progress bar even when stderr is not a terminal',
  '  -h, --help      show this help',
  '',
].join('\n');

/** Disagreeing sample indices listed in the text output before "and N more". */
const LISTED = 20;

export async function runEval(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, flags } = parseArgs(argv, {
    help: 'boolean',
    model: 'string',
    dataset: 'string',
    reference: 'string',
    limit: 'string',
    json: 'boolean',
    progress: 'boolean',
  });
  if (flags.has('help')) {
    io.stdout.write(EVAL_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const need = (name: string): string => {
    const v = flags.get(name);
    if (typeof v !== 'string') throw new UsageError(`--${name} is required`);
    return v;
  };
  const modelPath = need('model');
  const datasetPath = need('dataset');
  const reference = flags.get('reference');
  const limitFlag = flags.get('limit');
  let limit: number | undefined;
  if (typeof limitFlag === 'string') {
    limit = Number(limitFlag);
    if (!/^\d+$/.test(limitFlag) || limit < 1 || !Number.isSafeInteger(limit)) {
      throw new UsageError(`--limit must be a whole number of at least 1, not "${limitFlag}"`);
    }
  }

  const dataset = await loadDataset(datasetPath);
  const progress = { stream: io.stderr, forceBar: flags.has('progress') };
  const run = await evaluateWith(modelPath, dataset, limit, { ...progress, label: modelPath });
  let ref: { result: EvalResult; drift: Drift } | undefined;
  if (typeof reference === 'string') {
    const result = await evaluateWith(reference, dataset, limit, { ...progress, label: reference });
    ref = { result, drift: compareRuns(result, run) };
  }

  const doc: EvalDocument = {
    schemaVersion: 1,
    dataset: {
      path: datasetPath,
      name: dataset.manifest.name,
      task: dataset.manifest.task,
      samples: run.count,
      total: dataset.count,
    },
    run: toEvalRun(run),
  };
  if (ref !== undefined) doc.reference = { ...toEvalRun(ref.result), drift: ref.drift };
  if (flags.has('json')) {
    // Our own output must follow the schema we publish; a failure here is our bug.
    validate('eval', doc, 'tinyml-gate eval --json');
    io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    io.stdout.write(renderEval(doc));
  }
  return 0;
}

async function evaluateWith(
  modelPath: string,
  dataset: Dataset,
  limit: number | undefined,
  progress: { stream: CliIo['stderr']; forceBar: boolean; label: string },
): Promise<EvalResult> {
  const runner: Runner = await runnerFor(modelPath);
  try {
    return await evaluate(runner, dataset, { limit, progress });
  } finally {
    runner.dispose();
  }
}

/** The text report: summary lines, the per-class table, the drift against the reference. */
export function renderEval(doc: EvalDocument): string {
  const d = doc.dataset;
  const lines = [
    `dataset    ${d.name} (${d.path}): ${d.task}, ${d.samples}${d.samples < d.total ? ` of ${d.total}` : ''} samples`,
    `model      ${doc.run.model}: ${summary(doc.run.metrics)}  (${rate(doc.run.samplesPerSecond)})`,
  ];
  if (doc.reference !== undefined) {
    lines.push(
      `reference  ${doc.reference.model}: ${summary(doc.reference.metrics)}  (${rate(doc.reference.samplesPerSecond)})`,
    );
  }
  const c = doc.run.metrics.classification;
  if (c !== undefined) {
    const refC = doc.reference?.metrics.classification;
    const header = ['class', 'samples', 'correct', 'accuracy'];
    if (refC !== undefined) header.push('reference', 'delta');
    const rows = c.perClass
      .filter((p) => p.count > 0)
      .map((p) => {
        const row = [String(p.class), String(p.count), String(p.correct), pct(p.accuracy)];
        if (refC !== undefined) {
          const r = refC.perClass[p.class]?.accuracy ?? null;
          row.push(pct(r), r === null || p.accuracy === null ? '-' : points(p.accuracy - r));
        }
        return row;
      });
    lines.push('', table(header, rows));
  }
  if (doc.reference !== undefined) {
    const dr = doc.reference.drift;
    lines.push(
      '',
      `drift      max |diff| ${fmt(dr.maxAbsDiff)}, mean |diff| ${fmt(dr.meanAbsDiff)} (model against reference, dequantized outputs)`,
      `agreement  argmax agrees on ${dr.agree} of ${dr.count} samples (${pct(dr.agreement)})`,
    );
    if (dr.disagreeing.length > 0) {
      const shown = dr.disagreeing.slice(0, LISTED).join(', ');
      const more = dr.disagreeing.length - LISTED;
      lines.push(`disagree   samples ${shown}${more > 0 ? ` and ${more} more` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function summary(m: EvalMetrics): string {
  if (m.classification !== undefined) {
    const c = m.classification;
    return `top-1 ${pct(c.top1)} (${c.correct}/${c.count})`;
  }
  if (m.regression !== undefined) {
    return `MAE ${fmt(m.regression.mae)}, RMSE ${fmt(m.regression.rmse)}`;
  }
  if (m.anomaly !== undefined) {
    const a = m.anomaly;
    const auc = a.auc === null ? 'n/a (needs normal and anomalous samples)' : a.auc.toFixed(4);
    return `AUC ${auc} (${a.normal} normal, ${a.anomalous} anomalous)`;
  }
  return 'no metrics';
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]): string =>
    r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function pct(v: number | null): string {
  return v === null ? '-' : `${(v * 100).toFixed(2)}%`;
}

function points(v: number): string {
  const p = v * 100;
  return `${p > 0 ? '+' : ''}${p.toFixed(2)} pt`;
}

function rate(v: number): string {
  return `${v.toFixed(0)} samples/s`;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4);
}
