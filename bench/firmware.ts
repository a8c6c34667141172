// Firmware benchmark: every shared int8 model on the emulated Cortex-M4F (QEMU mps2-an386,
// hard float, -icount shift=0,align=off,sleep=off), with the `ref` and the `opt` kernel
// sets. Per model and kernel set: emulated instructions per inference (the CMSDK timer
// ticks at 25 MHz, one tick per 40 emulated instructions: figures are emulated
// instructions, never cycles), instructions per MAC, per-layer figures with the kernel
// path each layer took, arena bytes (engine vs host analysis); per kernel set, the code
// size of the harness with every operator (-Os, Cortex-M4). Each configuration runs twice
// and the two tick reports must be identical. Compared with the TensorFlow Lite Micro
// anchors of issue 4 (same emulated board). Writes bench/results/firmware.json.
// Run: npx tsx bench/firmware.ts   (TG_BENCH_SAMPLES=N samples per run, default 3)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeModel } from '../src/model/analysis.ts';
import { readModel } from '../src/model/reader.ts';
import { formatTable, writeResults } from './lib.ts';

const BOARD = 'mps2-an386';
const FLOAT = 'hard';
const KERNEL_SETS = ['ref', 'opt'] as const;
type KernelSet = (typeof KERNEL_SETS)[number];
const MODELS = ['hello_world_int8', 'micro_speech_quantized', 'kws_ref_model', 'ic_resnet8_int8'];
const PATH_NAMES = ['ref', 'opt', 'opt-fallback'];

/** Issue 4: TFLM on mps2-an386 under QEMU icount, emulated instructions per inference. */
const TFLM_ANCHORS: Record<
  string,
  { cmsisNn: number; reference: number | null; tflmArena: number }
> = {
  kws_ref_model: { cmsisNn: 7.7e6, reference: 198.6e6, tflmArena: 22772 },
  ic_resnet8_int8: { cmsisNn: 29.9e6, reference: 824e6, tflmArena: 54340 },
  micro_speech_quantized: { cmsisNn: 1.5e6, reference: null, tflmArena: 6788 },
};
const STRETCH = 0.8;

class BenchError extends Error {
  constructor(
    readonly code: 'BUILD_FAILED' | 'RUN_FAILED' | 'REPORT_INVALID' | 'NONDETERMINISTIC',
    message: string,
  ) {
    super(message);
    this.name = 'BenchError';
  }
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(repoRoot, '..', 'shared');
const samples = Number(process.env.TG_BENCH_SAMPLES ?? '3');

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

function run(cmd: string, args: string[], what: string, code: BenchError['code']): string {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new BenchError(
      code,
      `${what}: exit ${r.status}: ${(r.stderr || r.stdout).trim().slice(-2000)}`,
    );
  }
  return r.stdout;
}

interface CodeSize {
  text: number;
  data: number;
  bss: number;
}

function buildHarness(kernels: KernelSet): { elf: string; size: CodeSize } {
  const args = [
    '-s',
    '-f',
    'firmware/boards.mk',
    'harness',
    `BOARD=${BOARD}`,
    `FLOAT=${FLOAT}`,
    `KERNELS=${kernels}`,
  ];
  run('make', args, `building the ${kernels} harness`, 'BUILD_FAILED');
  const elf = path.join(
    repoRoot,
    'firmware',
    'build',
    `${BOARD}-${FLOAT}-${kernels}`,
    'tg_harness.elf',
  );
  const out = run('arm-none-eabi-size', [elf], `arm-none-eabi-size ${elf}`, 'BUILD_FAILED');
  const m = /^\s*(\d+)\s+(\d+)\s+(\d+)/m.exec(out.split('\n')[1] ?? '');
  if (!m)
    throw new BenchError('REPORT_INVALID', `arm-none-eabi-size ${elf}: unexpected output '${out}'`);
  return { elf, size: { text: Number(m[1]), data: Number(m[2]), bss: Number(m[3]) } };
}

interface TickReport {
  raw: string;
  hz: number;
  arenaUsed: number;
  activationBytes: number;
  layers: { op: string; path: number }[];
  /** ticks[sample][layer] */
  ticks: number[][];
  totals: number[];
}

function parseTicks(text: string, file: string): TickReport {
  const rep: TickReport = {
    raw: text,
    hz: 0,
    arenaUsed: 0,
    activationBytes: 0,
    layers: [],
    ticks: [],
    totals: [],
  };
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'timer') rep.hz = Number(f[2]);
    else if (f[0] === 'arena_used') rep.arenaUsed = Number(f[1]);
    else if (f[0] === 'activation_bytes') rep.activationBytes = Number(f[1]);
    else if (f[0] === 'layer') rep.layers[Number(f[1])] = { op: f[2], path: Number(f[3]) };
    else if (f[0] === 'tick') (rep.ticks[Number(f[1])] ??= [])[Number(f[2])] = Number(f[5]);
    else if (f[0] === 'total') rep.totals[Number(f[1])] = Number(f[2]);
  }
  if (!(rep.hz > 0) || rep.layers.length === 0 || rep.totals.length === 0) {
    throw new BenchError(
      'REPORT_INVALID',
      `${file}: no timer rate, layers or totals in the tick report`,
    );
  }
  return rep;
}

function runModel(elf: string, model: string, kernels: KernelSet): TickReport {
  const reports: TickReport[] = [];
  for (let r = 0; r < 2; r++) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tg-bench-'));
    try {
      const args = [
        path.join(repoRoot, 'firmware', 'scripts', 'qemu-run.sh'),
        BOARD,
        elf,
        path.join(shared, 'models', `${model}.tflite`),
        path.join(shared, 'golden', model, 'inputs.bin'),
        path.join(dir, 'outputs.bin'),
        path.join(dir, 'ticks.txt'),
        '-n',
        String(samples),
      ];
      run('bash', args, `${model} (${kernels}) on ${BOARD}`, 'RUN_FAILED');
      const file = path.join(dir, 'ticks.txt');
      reports.push(parseTicks(readFileSync(file, 'utf8'), file));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (reports[0].raw !== reports[1].raw) {
    throw new BenchError(
      'NONDETERMINISTIC',
      `${model} (${kernels}): two runs gave different tick reports`,
    );
  }
  return reports[0];
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const fmtM = (v: number): string => `${(v / 1e6).toFixed(3)} M`;
const fmt = (v: number, d = 2): string => v.toFixed(d);

function main(): void {
  if (!existsSync(path.join(shared, 'models')) || !existsSync(path.join(shared, 'golden'))) {
    console.log(`shared/ not found beside the checkout (${shared}): nothing to benchmark`);
    return;
  }
  for (const tool of ['arm-none-eabi-gcc', 'qemu-system-arm']) {
    if (!have(tool)) {
      console.log(
        `${tool} not found (Debian packages gcc-arm-none-eabi, qemu-system-arm): skipped`,
      );
      return;
    }
  }
  const builds = Object.fromEntries(KERNEL_SETS.map((k) => [k, buildHarness(k)])) as Record<
    KernelSet,
    { elf: string; size: CodeSize }
  >;
  const results = [];
  const summary: string[][] = [];
  for (const model of MODELS) {
    const bytes = new Uint8Array(readFileSync(path.join(shared, 'models', `${model}.tflite`)));
    const analysis = analyzeModel(readModel(bytes, `${model}.tflite`), bytes, model);
    const perSet: Record<string, unknown> = {};
    const totals: Partial<Record<KernelSet, number>> = {};
    const layerRows: string[][] = [];
    const reps = Object.fromEntries(
      KERNEL_SETS.map((k) => [k, runModel(builds[k].elf, model, k)]),
    ) as Record<KernelSet, TickReport>;
    const perTick = (k: KernelSet): number => 1e9 / reps[k].hz; // emulated instructions per tick
    for (const k of KERNEL_SETS) {
      const rep = reps[k];
      const instr = mean(rep.totals) * perTick(k);
      totals[k] = instr;
      perSet[k] = {
        instructionsPerInference: Math.round(instr),
        instructionsPerMac: analysis.totals.macs > 0 ? instr / analysis.totals.macs : null,
        arenaUsedBytes: rep.arenaUsed,
        activationBytes: rep.activationBytes,
        deterministic: true,
        layers: rep.layers.map((l, i) => {
          const li = mean(rep.ticks.map((s) => s[i])) * perTick(k);
          const macs = analysis.layers[i]?.macs ?? 0;
          return {
            index: i,
            op: l.op,
            kernelPath: PATH_NAMES[l.path] ?? String(l.path),
            macs,
            instructions: Math.round(li),
            instructionsPerMac: macs > 0 ? li / macs : null,
          };
        }),
      };
    }
    reps.ref.layers.forEach((l, i) => {
      const li = (k: KernelSet): number => mean(reps[k].ticks.map((s) => s[i])) * perTick(k);
      const macs = analysis.layers[i]?.macs ?? 0;
      layerRows.push([
        String(i),
        l.op,
        String(macs),
        fmtM(li('ref')),
        fmtM(li('opt')),
        PATH_NAMES[reps.opt.layers[i].path] ?? '?',
        macs > 0 ? fmt(li('opt') / macs) : '',
        fmt(li('ref') / Math.max(li('opt'), 1), 1),
      ]);
    });
    console.log(
      `\n${model} (${analysis.totals.macs} MACs), per layer, mean of ${samples} samples:`,
    );
    console.log(
      formatTable(
        ['layer', 'op', 'MACs', 'ref instr', 'opt instr', 'opt path', 'opt instr/MAC', 'speed-up'],
        layerRows,
        new Set([0, 2, 3, 4, 6, 7]),
      ),
    );
    const anchor = TFLM_ANCHORS[model];
    const opt = totals.opt ?? 0;
    const ref = totals.ref ?? 0;
    summary.push([
      model,
      fmtM(ref),
      fmtM(opt),
      fmt(opt / Math.max(analysis.totals.macs, 1)),
      anchor ? fmtM(anchor.cmsisNn) : '',
      anchor ? fmt(opt / anchor.cmsisNn, 3) : '',
      anchor
        ? opt <= anchor.cmsisNn
          ? opt <= STRETCH * anchor.cmsisNn
            ? 'met (+stretch)'
            : 'met'
          : 'MISSED'
        : '',
      anchor?.reference ? fmt(ref / anchor.reference, 3) : '',
      `${reps.ref.arenaUsed} / ${reps.opt.arenaUsed}`,
      `${reps.ref.activationBytes} / ${reps.opt.activationBytes}`,
      String(analysis.arena.bytes),
      anchor ? String(anchor.tflmArena) : '',
    ]);
    results.push({
      model,
      macs: analysis.totals.macs,
      hostArenaEstimateBytes: analysis.arena.bytes,
      tflmAnchor: anchor ?? null,
      optVsTflmCmsisNn: anchor ? opt / anchor.cmsisNn : null,
      refVsTflmReference: anchor?.reference ? ref / anchor.reference : null,
      ...perSet,
    });
  }
  console.log(
    `\nEmulated instructions per inference on QEMU ${BOARD} (${FLOAT} float), -icount shift=0:`,
  );
  console.log(
    formatTable(
      [
        'model',
        'ref',
        'opt',
        'opt instr/MAC',
        'TFLM+CMSIS-NN',
        'opt/anchor',
        'target',
        'ref/TFLM ref',
        'arena ref/opt B',
        'activations ref/opt B',
        'host plan B',
        'TFLM arena B',
      ],
      summary,
      new Set([1, 2, 3, 4, 5, 7, 10, 11]),
    ),
  );
  console.log(
    '\nCode size of the harness with every operator (-Os, Cortex-M4, arm-none-eabi-size):',
  );
  console.log(
    formatTable(
      ['kernels', 'text', 'data', 'bss'],
      KERNEL_SETS.map((k) => [
        k,
        String(builds[k].size.text),
        String(builds[k].size.data),
        String(builds[k].size.bss),
      ]),
      new Set([1, 2, 3]),
    ),
  );
  console.log('Every configuration ran twice with identical tick reports (deterministic).');
  const file = writeResults('firmware', {
    board: BOARD,
    float: FLOAT,
    qemu: '-icount shift=0,align=off,sleep=off',
    unit: 'emulated instructions (timer ticks x 1e9 / timer Hz; 40 per tick of the 25 MHz CMSDK timer), not cycles',
    samplesPerRun: samples,
    codeSize: builds.ref && { ref: builds.ref.size, opt: builds.opt.size },
    models: results,
  });
  console.log(`results: ${path.relative(repoRoot, file)}`);
}

try {
  main();
} catch (e) {
  const msg = e instanceof Error ? e.message : String(e);
  console.error(`bench/firmware: ${e instanceof BenchError ? `${e.code}: ` : ''}${msg}`);
  process.exit(1);
}
