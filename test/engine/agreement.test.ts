// Issue 4, exactness of the C engine on writer-generated models, and its agreement with the
// TFLite runtime. Every row of the host operator table (test/host/reference) is run through
// tg_run built with KERNELS=ref and KERNELS=opt and compared with the independent
// TypeScript reference:
// - int8, operators whose reference is TFLite's integer arithmetic: equal, element by element;
// - int8 LOGISTIC, TANH, SOFTMAX: within 1 step. The reference there rounds TFLite's float
//   formula once; the engine follows TFLM's fixed-point kernels (gemmlowp exp, 1/(1+x)),
//   which the firmware's own unit tests (firmware/test/kernels/test_{logistic,tanh,softmax}.c)
//   hold to the same bound against the float formula;
// - float32: within 1e-5 relative or 1e-6 absolute;
// - ref and opt: identical bit for bit, and opt must really take its fast path somewhere.
// Then the engine against TfliteRuntime: per operator, elements equal, max |diff| and rate,
// printed as a diagnostic table. The shared models' golden inputs complete it: the engine
// equals TFLM's golden outputs, so its differences from the runtime are the golden README's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TfliteRuntime, type TensorData } from '../../src/host/tflite-runtime.ts';
import { readModel } from '../../src/model/reader.ts';
import { seedOf } from '../host/reference/case-kit.ts';
import { CASES, type OpCase } from '../host/reference/cases.ts';
import {
  addToTally,
  emptyTally,
  floatTolerance,
  KERNEL_SETS,
  mergeTallies,
  rate,
  argmax,
  loadGolden,
  SHARED,
  shuffledSamples,
  runEngine,
  toolchainMissing,
  type Decoded,
  type EngineRun,
  type Golden,
  type KernelSet,
  type Tally,
} from './engine-runner.ts';

const skip = toolchainMissing();

/** int8 operators whose TFLM kernel is not the reference's float formula (see above). */
const ONE_STEP_OPS = new Set(['LOGISTIC', 'TANH', 'SOFTMAX']);
/** Operators with an opt kernel for int8: the opt build must report path `opt` at least once. */
const OPT_KERNEL_OPS = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'AVERAGE_POOL_2D'];

interface Row {
  vsReference: Tally;
  vsRuntime: Tally;
  optPaths: Set<string>;
}
const rows = new Map<string, Row>();
const rowOf = (c: OpCase, out: Decoded): Row => {
  const key = `${c.op} ${out instanceof Float32Array ? 'float32' : 'int8'}`;
  let r = rows.get(key);
  if (r === undefined) {
    r = { vsReference: emptyTally(), vsRuntime: emptyTally(), optPaths: new Set() };
    rows.set(key, r);
  }
  return r;
};

/** Where a value sits: the case, kernel set, sample, layer (operator) and element. */
function at(c: OpCase, k: KernelSet, run: EngineRun, s: number, layer: number, i: number): string {
  const info = run.info[layer];
  const which = info === undefined ? '' : ` ${info.op}, path ${info.path}`;
  return `${c.op} ${c.dtype} ${c.name} (${k}): sample ${s}, layer ${layer}${which}, element ${i}`;
}

/** Sample 0 (the one the reference computed) against the reference. */
function checkAgainstReference(
  c: OpCase,
  k: KernelSet,
  run: EngineRun,
  layer: number,
  want: number[],
): void {
  const got = run.outputs[0][0];
  assert.equal(got.length, want.length, `${c.op} ${c.name} (${k}): output length`);
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    const where = at(c, k, run, 0, layer, i);
    if (got instanceof Float32Array) {
      const tol = floatTolerance(want[i]);
      assert.ok(d <= tol, `${where}: engine ${got[i]}, reference ${want[i]} (tolerance ${tol})`);
    } else if (ONE_STEP_OPS.has(c.op)) {
      assert.ok(d <= 1, `${where}: engine ${got[i]}, reference ${want[i]} (more than 1 step)`);
    } else {
      assert.ok(d === 0, `${where}: engine ${got[i]}, reference ${want[i]}`);
    }
  }
}

/** Every sample: the opt build's output has the ref build's bytes. */
function checkBitIdentical(c: OpCase, [ref, opt]: EngineRun[], layer: number): void {
  ref.outputs.forEach((outs, s) => {
    const [x, y] = [outs[0], opt.outputs[s][0]];
    const a = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    const b = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
    assert.equal(a.length, b.length, `${c.op} ${c.name}: ref and opt output sizes`);
    const j = a.findIndex((v, n) => v !== b[n]);
    if (j >= 0) {
      const i = Math.floor(j / x.BYTES_PER_ELEMENT);
      assert.fail(
        `${at(c, 'opt', opt, s, layer, i)}: opt ${y[i]}, ref ${x[i]} (not bit-identical)`,
      );
    }
  });
}

async function runtimeOutputs(
  c: OpCase,
  model: Uint8Array,
  samples: TensorData[][],
): Promise<Decoded[]> {
  const rt = await TfliteRuntime.load(model, { name: `${c.op} ${c.name}` });
  try {
    return samples.map((inputs) => {
      inputs.forEach((x, i) => rt.setInput(i, x));
      rt.invoke();
      const d = rt.output(0).data;
      assert.ok(
        d instanceof Int8Array || d instanceof Float32Array,
        `${c.op}: runtime output type`,
      );
      return d;
    });
  } finally {
    rt.dispose();
  }
}

/** Besides sample 0 (the reference's), shuffled copies for ref = opt and the runtime rate. */
const EXTRA_SAMPLES = 15;

for (const c of CASES) {
  test(`${c.op} ${c.dtype}: ${c.name}`, { skip }, async () => {
    const made = c.make();
    const name = `${c.op} ${c.dtype} ${c.name}`;
    const sg = readModel(made.model, name).subgraphs[0];
    // The operator that produces the graph output: the layer a mismatch names.
    const layer = sg.operators.findIndex((o) => o.outputs.includes(sg.outputs[0]));
    const samples = [made.inputs, ...shuffledSamples(made.inputs, EXTRA_SAMPLES, seedOf(name))];
    const runs = await Promise.all(
      KERNEL_SETS.map((k) => runEngine(k, made.model, samples, { name, layers: true })),
    );
    runs.forEach((run, n) => {
      const k = KERNEL_SETS[n];
      assert.equal(run.info.length, sg.operators.length, `${name} (${k}): layers reported`);
      // The per-layer dump and the graph output are the same tensor: same bytes.
      assert.deepEqual(run.layers[0][layer], run.outputs[0][0], `${name} (${k}): layer dump`);
      checkAgainstReference(c, k, run, layer, made.expected);
    });
    checkBitIdentical(c, runs, layer);
    const row = rowOf(c, runs[0].outputs[0][0]);
    addToTally(row.vsReference, runs[0].outputs[0][0], made.expected);
    runs[1].info.forEach((i) => row.optPaths.add(i.path));
    assert.ok(
      runs[0].info.every((i) => i.path === 'ref'),
      `${name}: the ref build reports paths ${runs[0].info.map((i) => i.path).join(', ')}`,
    );

    const rt = await runtimeOutputs(c, made.model, samples);
    rt.forEach((want, s) => {
      const got = runs[0].outputs[s][0];
      addToTally(row.vsRuntime, got, want);
      for (let i = 0; i < want.length; i++) {
        // XNNPACK requantizes in float: one step at most (measured; see the table).
        const tol = got instanceof Float32Array ? floatTolerance(want[i]) : 1;
        const where = at(c, 'ref', runs[0], s, layer, i);
        assert.ok(
          Math.abs(got[i] - want[i]) <= tol,
          `${where}: engine ${got[i]}, runtime ${want[i]}`,
        );
      }
    });
  });
}

test('agreement table: every operator ran, opt took its fast path, runtime rate', { skip }, (t) => {
  assert.equal(
    [...rows.values()].reduce((a, r) => a + r.vsReference.elements, 0),
    CASES.reduce((a, c) => a + c.make().expected.length, 0),
    'every case contributed its elements (a case failed before the tally?)',
  );
  for (const op of OPT_KERNEL_OPS) {
    const paths = rows.get(`${op} int8`)?.optPaths ?? new Set();
    assert.ok(
      paths.has('opt'),
      `${op} int8: the opt build never took its opt path (${[...paths]})`,
    );
  }
  // Columns: elements of sample 0 and the engine against the reference there (agree,
  // bit-equal); elements of all samples and the engine against the runtime there (agree,
  // bit-equal, largest difference, rate); the kernel paths the opt build reported.
  const cols = [
    'operator',
    'elements',
    '~ref',
    '=ref',
    'all samples',
    '~runtime',
    '=runtime',
    'max|diff|',
    'rate',
  ];
  t.diagnostic(
    `${cols[0].padEnd(24)}${cols
      .slice(1)
      .map((h) => h.padStart(11))
      .join('')}  opt paths`,
  );
  let int8 = emptyTally();
  for (const [key, r] of [...rows].sort(([x], [y]) => x.localeCompare(y))) {
    if (key.endsWith('int8')) int8 = mergeTallies(int8, r.vsRuntime);
    const cells = [
      r.vsReference.elements,
      r.vsReference.agree,
      r.vsReference.equal,
      r.vsRuntime.elements,
      r.vsRuntime.agree,
      r.vsRuntime.equal,
      r.vsRuntime.maxAbsDiff.toPrecision(3),
      `${(100 * rate(r.vsRuntime)).toFixed(2)}%`,
    ];
    t.diagnostic(
      `${key.padEnd(24)}${cells.map((v) => String(v).padStart(11)).join('')}  ${[...r.optPaths].join(',')}`,
    );
  }
  t.diagnostic(`int8 overall: ${int8.agree}/${int8.elements} equal to the runtime`);
  // The same bound as test/host/operators.test.ts puts on runtime vs reference.
  assert.ok(rate(int8) >= 0.995, `int8 agreement with the runtime ${int8.agree}/${int8.elements}`);
});

// ---- the shared models on their golden inputs --------------------------------------------

const goldenSkip =
  skip ||
  (existsSync(path.join(SHARED, 'golden')) ? false : 'shared/ not found beside the checkout');

/**
 * shared/golden/README.md: how far the TFLite runtime is from TFLM's reference kernels on
 * these inputs (values that differ, largest difference, argmax agreements out of 100;
 * null where the README gives no figure). The engine equals TFLM, so it must reproduce them.
 */
const README_FIGURES: Record<
  string,
  { differ: number; maxDiff: number | null; argmax: number | null }
> = {
  hello_world_int8: { differ: 9, maxDiff: 3, argmax: null },
  micro_speech_quantized: { differ: 2, maxDiff: null, argmax: null },
  kws_ref_model: { differ: 59, maxDiff: 17, argmax: 100 },
  ic_resnet8_int8: { differ: 194, maxDiff: 50, argmax: 95 },
};
/** README: "Float32 models agree within 5e-6" (runtime against TFLM). */
const FLOAT_MODELS = ['hello_world_float', 'ic_resnet8_float'];

/** Engine output (and, for samples 0-3, every layer) against the golden files. */
function checkGolden(name: string, k: KernelSet, g: Golden, run: EngineRun): void {
  const sg = readModel(g.model, name).subgraphs[0];
  const same = (got: Decoded, want: Decoded, where: string): void => {
    assert.equal(got.length, want.length, `${where}: length`);
    for (let i = 0; i < want.length; i++) {
      const tol = got instanceof Float32Array ? floatTolerance(want[i]) : 0;
      if (!(Math.abs(got[i] - want[i]) <= tol)) {
        assert.fail(`${where}, element ${i}: engine ${got[i]}, golden ${want[i]}`);
      }
    }
  };
  run.layers.forEach((layers, s) =>
    layers.forEach((got, i) => {
      const t = sg.tensors[sg.operators[i].outputs[0]];
      const bytes = new Uint8Array(
        readFileSync(path.join(SHARED, 'golden', name, 'layers', `s${s}_op${i}.bin`)),
      );
      const want =
        t.type === 'float32' ? new Float32Array(bytes.buffer) : new Int8Array(bytes.buffer);
      same(got, want, `${name} (${k}) sample ${s} layer ${i} ${run.info[i]?.op ?? ''}`);
    }),
  );
  g.outputs.forEach((want, s) =>
    same(run.outputs[s][0], want, `${name} (${k}) sample ${s} output`),
  );
}

for (const name of [...Object.keys(README_FIGURES), ...FLOAT_MODELS]) {
  test(
    `${name}: engine equals the golden outputs, differs from the runtime as the README says`,
    { skip: goldenSkip },
    async (t) => {
      const g = loadGolden(name);
      const runs = await Promise.all(
        KERNEL_SETS.map((k) => runEngine(k, g.model, g.samples, { name, layers: true })),
      );
      runs.forEach((run, n) => checkGolden(name, KERNEL_SETS[n], g, run));
      const rt = await TfliteRuntime.load(g.model, { name });
      const tally = emptyTally();
      let argmaxEqual = 0;
      let worstFloat = 0;
      try {
        g.samples.forEach((inputs, s) => {
          rt.setInput(0, inputs[0]);
          rt.invoke();
          const want = rt.output(0).data as Decoded;
          const got = runs[0].outputs[s][0];
          addToTally(tally, got, want);
          if (argmax(got) === argmax(want)) argmaxEqual++;
          if (got instanceof Float32Array) {
            for (let i = 0; i < want.length; i++)
              worstFloat = Math.max(worstFloat, Math.abs(got[i] - want[i]));
          }
        });
      } finally {
        rt.dispose();
      }
      t.diagnostic(
        `${name}: engine vs runtime: ${tally.equal}/${tally.elements} equal, ${tally.agree} agree (${(100 * rate(tally)).toFixed(2)}%), max |diff| ${tally.maxAbsDiff.toPrecision(3)}, argmax ${argmaxEqual}/${g.samples.length}`,
      );
      const readme = README_FIGURES[name];
      if (readme === undefined) {
        assert.ok(worstFloat <= 5e-6, `${name}: engine and runtime differ by ${worstFloat}`);
        return;
      }
      assert.equal(
        tally.elements - tally.equal,
        readme.differ,
        `${name}: values that differ from the runtime`,
      );
      if (readme.maxDiff !== null)
        assert.equal(tally.maxAbsDiff, readme.maxDiff, `${name}: largest difference`);
      if (readme.argmax !== null)
        assert.equal(argmaxEqual, readme.argmax, `${name}: argmax agreements`);
    },
  );
}
