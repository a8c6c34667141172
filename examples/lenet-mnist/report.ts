// results.json of the example and the README table rendered from it (U = unquantized
// float32 model, Q = int8 model, as in Table 1 of Heim et al. 2021). The README keeps its
// prose; only the block between the two markers below is rewritten.
import { readFile, writeFile } from 'node:fs/promises';
import { markdownTable } from 'markdown-table';
import { ExampleError } from './errors.ts';
import type { EpochReport } from './lenet.ts';

export interface ModelFacts {
  file: string;
  bytes: number;
  sha256: string;
  params: number;
  macs: number;
  /** TFLite operators in execution order. */
  ops: string[];
}

export interface Score {
  samples: number;
  correct: number;
  /** Top-1 accuracy in percent. */
  accuracy: number;
}

export interface SetScores {
  float: Score;
  int8: Score;
  /** int8 minus float, in percentage points. */
  deltaPts: number;
  /** Samples whose float and int8 argmax agree. */
  argmaxAgree: number;
  /** Largest |float - int8| over every softmax output. */
  maxAbsDiff: number;
}

export interface Results {
  schemaVersion: 1;
  generatedBy: string;
  /** The model's name in the table. */
  label: string;
  tfjs: { version: string; backend: string; fastCpuGradients: string[] };
  data: {
    source: string;
    digits: number;
    splitSeed: number;
    train: number;
    test: number;
    committed: number;
    calibration: number;
  };
  training: {
    /** Trainable parameters as TF.js counts them (the analysis also counts RESHAPE's shape). */
    params: number;
    epochs: number;
    batchSize: number;
    optimizer: string;
    learningRate: number;
    seconds: number;
    perEpoch: EpochReport[];
    /** The TF.js model itself on the test split, before any conversion. */
    tfjsTestAccuracy: number;
  };
  models: { float: ModelFacts; int8: ModelFacts };
  /** The whole test split (in memory) and the committed first part of it (data/). */
  accuracy: { testSplit: SetScores; committed: SetScores };
  /** int8 bytes / float bytes. */
  sizeRatio: number;
  /** 100 * (1 - sizeRatio). */
  sizeReductionPct: number;
  /** Seconds for the whole script: data, training, conversion, evaluation, files. */
  totalSeconds: number;
}

export function score(samples: number, correct: number): Score {
  return { samples, correct, accuracy: (100 * correct) / samples };
}

const BEGIN = '<!-- results:begin (written by train.ts) -->';
const END = '<!-- results:end -->';

const int = (n: number): string => n.toLocaleString('en-US');
const pct = (n: number): string => `${n.toFixed(2)} %`;
const pts = (n: number): string => `${n > 0 ? '+' : n < 0 ? '−' : '±'}${Math.abs(n).toFixed(2)}`;

/** The README block: the U/Q table, then the facts a reader needs to trust it. */
export function renderResults(r: Results): string {
  const f = r.models.float;
  const q = r.models.int8;
  const row = (name: string, s: SetScores): string[] => [
    name,
    pct(s.float.accuracy),
    pct(s.int8.accuracy),
    pts(s.deltaPts),
    `${s.argmaxAgree} / ${s.float.samples}`,
  ];
  const sizes = markdownTable(
    [
      ['Model', 'Params', 'MACs', 'Size U (float32)', 'Size Q (int8)', 'Size reduction'],
      [
        r.label,
        int(q.params),
        int(q.macs),
        `${int(f.bytes)} B`,
        `${int(q.bytes)} B`,
        `${r.sizeReductionPct.toFixed(1)} %`,
      ],
    ],
    { align: ['l', 'r', 'r', 'r', 'r', 'r'] },
  );
  const accuracy = markdownTable(
    [
      ['Test set', 'Accuracy U', 'Accuracy Q', 'Δ (points)', 'Same argmax'],
      row(`test split (${r.data.test} digits)`, r.accuracy.testSplit),
      row(`committed \`data/\` (first ${r.data.committed})`, r.accuracy.committed),
    ],
    { align: ['l', 'r', 'r', 'r', 'r'] },
  );
  const t = r.training;
  return [
    BEGIN,
    '',
    sizes,
    '',
    accuracy,
    '',
    `U: \`${f.file}\`, Q: \`${q.file}\`, both run in the TFLite interpreter (WASM). ` +
      `The TF.js model itself scores ${pct(t.tfjsTestAccuracy)} on the test split. ` +
      `Params and MACs as \`tinyml-gate analyze\` counts them (docs/metrics.md); TF.js counts ` +
      `${int(t.params)} trainable parameters (the analysis also counts constants such as ` +
      `RESHAPE's shape).`,
    `Trained in ${t.seconds.toFixed(1)} s (${t.epochs} epochs, batch ${t.batchSize}, ` +
      `${t.optimizer} ${t.learningRate}, TF.js ${r.tfjs.version} on the \`${r.tfjs.backend}\` backend); ` +
      `the whole script took ${r.totalSeconds.toFixed(1)} s.`,
    '',
    END,
  ].join('\n');
}

/** Replaces the marked block of the README with renderResults(r). */
export async function updateReadme(file: string, r: Results): Promise<void> {
  const text = await readFile(file, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) {
    throw new ExampleError(
      'readme-markers',
      `${file}: the results markers are missing ("${BEGIN}" ... "${END}")`,
    );
  }
  await writeFile(file, text.slice(0, a) + renderResults(r) + text.slice(b + END.length));
}
