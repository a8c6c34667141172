// Agreement of the C engine (host build, tg_run) with the independent TypeScript reference
// and with the TFLite runtime (WASM, XNNPACK), per operator of the writer-generated table
// (test/host/reference), and with TFLM's golden outputs and the runtime on the shared
// models' golden inputs. The assertions live in test/engine/agreement.test.ts; this
// records the figures: bench/results/agreement.json, and the tables of docs/conformance.md
// (between its markers).
// Run: npx tsx bench/agreement.ts
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import { TfliteRuntime, type TensorData } from '../src/host/tflite-runtime.ts';
import { seedOf } from '../test/host/reference/case-kit.ts';
import { CASES } from '../test/host/reference/cases.ts';
import {
  addToTally,
  argmax,
  emptyTally,
  KERNEL_SETS,
  loadGolden,
  rate,
  REPO_ROOT,
  runEngine,
  SHARED,
  shuffledSamples,
  type Decoded,
  type Tally,
} from '../test/engine/engine-runner.ts';
import { writeResults } from './lib.ts';

interface OperatorRow {
  operator: string;
  dtype: string;
  cases: number;
  /** Sample 0 of each case (the one the reference computed) against the reference. */
  vsReference: Tally;
  /** Samples run (sample 0 and the shuffled copies), and those whose ref and opt outputs are identical bytes. */
  samples: number;
  refOptIdentical: number;
  /** Every sample against the TFLite runtime. */
  vsRuntime: Tally;
  optPaths: string[];
}

interface ModelRow {
  model: string;
  samples: number;
  vsGoldenRef: Tally;
  vsGoldenOpt: Tally;
  vsRuntime: Tally;
  argmaxAgree: number;
}

async function runtimeOutputs(model: Uint8Array, samples: TensorData[][], name: string) {
  const rt = await TfliteRuntime.load(model, { name });
  try {
    return samples.map((inputs) => {
      inputs.forEach((x, i) => rt.setInput(i, x));
      rt.invoke();
      return rt.output(0).data as Decoded;
    });
  } finally {
    rt.dispose();
  }
}

const sameBytes = (a: Decoded, b: Decoded): boolean =>
  Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  ) === 0;

async function operatorRows(): Promise<OperatorRow[]> {
  const rows = new Map<string, OperatorRow>();
  for (const c of CASES) {
    const made = c.make();
    const name = `${c.op} ${c.dtype} ${c.name}`;
    // As in the test: sample 0 is the reference's, the others shuffled copies of it.
    const samples = [made.inputs, ...shuffledSamples(made.inputs, EXTRA_SAMPLES, seedOf(name))];
    const [ref, opt] = await Promise.all(
      KERNEL_SETS.map((k) => runEngine(k, made.model, samples, { name })),
    );
    const rt = await runtimeOutputs(made.model, samples, name);
    const dtype = ref.outputs[0][0] instanceof Float32Array ? 'float32' : 'int8';
    const key = `${c.op} ${dtype}`;
    const row = rows.get(key) ?? {
      operator: c.op,
      dtype,
      cases: 0,
      vsReference: emptyTally(),
      samples: 0,
      refOptIdentical: 0,
      vsRuntime: emptyTally(),
      optPaths: [],
    };
    rows.set(key, row);
    row.cases++;
    addToTally(row.vsReference, ref.outputs[0][0], made.expected);
    ref.outputs.forEach((outs, s) => {
      row.samples++;
      if (sameBytes(outs[0], opt.outputs[s][0])) row.refOptIdentical++;
      addToTally(row.vsRuntime, outs[0], rt[s]);
    });
    for (const i of opt.info) if (!row.optPaths.includes(i.path)) row.optPaths.push(i.path);
  }
  return [...rows.values()].sort((a, b) =>
    `${a.operator} ${a.dtype}`.localeCompare(`${b.operator} ${b.dtype}`),
  );
}

const EXTRA_SAMPLES = 15;

const SHARED_MODELS = [
  'hello_world_int8',
  'micro_speech_quantized',
  'kws_ref_model',
  'ic_resnet8_int8',
  'hello_world_float',
  'ic_resnet8_float',
];

async function modelRows(): Promise<ModelRow[]> {
  if (!existsSync(path.join(SHARED, 'golden'))) {
    console.log(`${SHARED}/golden not found: shared models skipped`);
    return [];
  }
  const rows: ModelRow[] = [];
  for (const name of SHARED_MODELS) {
    const g = loadGolden(name);
    const [ref, opt] = await Promise.all(
      KERNEL_SETS.map((k) => runEngine(k, g.model, g.samples, { name })),
    );
    const rt = await runtimeOutputs(g.model, g.samples, name);
    const row: ModelRow = {
      model: name,
      samples: g.samples.length,
      vsGoldenRef: emptyTally(),
      vsGoldenOpt: emptyTally(),
      vsRuntime: emptyTally(),
      argmaxAgree: 0,
    };
    g.outputs.forEach((want, s) => {
      addToTally(row.vsGoldenRef, ref.outputs[s][0], want);
      addToTally(row.vsGoldenOpt, opt.outputs[s][0], want);
      addToTally(row.vsRuntime, ref.outputs[s][0], rt[s]);
      if (argmax(ref.outputs[s][0]) === argmax(rt[s])) row.argmaxAgree++;
    });
    rows.push(row);
  }
  return rows;
}

const pct = (t: Tally): string => `${(100 * rate(t)).toFixed(2)}%`;
const diff = (t: Tally): string =>
  Number.isInteger(t.maxAbsDiff) ? String(t.maxAbsDiff) : t.maxAbsDiff.toExponential(2);

function markdown(ops: OperatorRow[], models: ModelRow[]): string {
  const table = (head: string[], body: string[][]): string =>
    [head, head.map(() => '---'), ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');
  const opTable = table(
    [
      'operator',
      'cases',
      'elements',
      'engine = reference',
      'samples',
      'ref = opt',
      'values',
      'engine = runtime',
      'max \\|diff\\|',
      'rate',
      'opt paths',
    ],
    ops.map((r) => [
      `${r.operator} ${r.dtype}`,
      String(r.cases),
      String(r.vsReference.elements),
      String(r.vsReference.agree),
      String(r.samples),
      String(r.refOptIdentical),
      String(r.vsRuntime.elements),
      String(r.vsRuntime.agree),
      diff(r.vsRuntime),
      pct(r.vsRuntime),
      r.optPaths.join(', '),
    ]),
  );
  const int8 = ops.filter((r) => r.dtype === 'int8');
  const sum = (f: (r: OperatorRow) => number): number => int8.reduce((a, r) => a + f(r), 0);
  const overall = `int8 overall: the engine equals the runtime on ${sum((r) => r.vsRuntime.agree)} of ${sum((r) => r.vsRuntime.elements)} elements.`;
  const modelTable = table(
    [
      'model',
      'samples',
      'values',
      'engine = golden (ref)',
      'engine = golden (opt)',
      'engine = runtime',
      'max \\|diff\\|',
      'rate',
      'argmax agrees',
    ],
    models.map((r) => [
      r.model,
      String(r.samples),
      String(r.vsRuntime.elements),
      String(r.vsGoldenRef.agree),
      String(r.vsGoldenOpt.agree),
      String(r.vsRuntime.agree),
      diff(r.vsRuntime),
      pct(r.vsRuntime),
      `${r.argmaxAgree}/${r.samples}`,
    ]),
  );
  return `${opTable}\n\n${overall}\n\n${modelTable}\n`;
}

const BEGIN = '<!-- agreement tables: written by bench/agreement.ts, do not edit -->';
const END = '<!-- end of agreement tables -->';

/** Writes text to file as the repository's prettier configuration formats it. */
async function writeFormatted(file: string, text: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
  return file;
}

/** Replaces the text between the markers of docs/conformance.md. */
function updateDoc(tables: string): Promise<string> {
  const file = path.join(REPO_ROOT, 'docs', 'conformance.md');
  const doc = readFileSync(file, 'utf8');
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file}: the agreement table markers are missing`);
  return writeFormatted(file, `${doc.slice(0, a + BEGIN.length)}\n\n${tables}\n${doc.slice(b)}`);
}

const operators = await operatorRows();
const models = await modelRows();
const tables = markdown(operators, models);
console.log(tables);
const results = writeResults('agreement', { operators, models });
console.log(`wrote ${await writeFormatted(results, readFileSync(results, 'utf8'))}`);
console.log(`wrote ${await updateDoc(tables)}`);
