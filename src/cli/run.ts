// `tinyml-gate run`: the whole gate on this machine, as the action runs it on a pull
// request: resolve the models at head and base, measure what changed on a board of the
// in-process agent (emulated QEMU boards when no inventory is given), compare, print the
// report. No daemon, no GitHub. Exit status: the verdict (0 pass, 1 fail, 3 inconclusive),
// 4 when the gate could not run at all, 2 for a usage error.
import path from 'node:path';
import type { InProcessBenchOptions } from '../pipeline/agent-bench.ts';
import { runPipeline, type BenchFn, type PipelineResult } from '../pipeline/index.ts';
import type { BaselineMode } from '../schema/config-types.ts';
import { UsageError, parseArgs } from './args.ts';
import type { CliIo } from './main.ts';

export const RUN_USAGE = [
  'usage: tinyml-gate run --config F [--base REF] [--head REF] [--board ID[,ID...]]',
  '                       [--model NAME[,NAME...]] [--out DIR] [--json] [--inventory F]',
  '                       [--baseline-mode remeasure|history|auto] [--kernels ref|opt]',
  '                       [--repo DIR] [--mermaid] [--timeout-scale X]',
  '',
  'The gate of a pull request, locally: the models of tinyml-gate.yml at head (the work',
  'tree, or --head REF) against their versions at the merge base with --base REF. Unchanged',
  'models are skipped; changed ones are measured, head and base on the same board, then',
  'compared with the budgets. Prints the report (Markdown) on stdout, progress on stderr.',
  'Without --base every model is measured with no baseline (absolute budgets only).',
  '',
  'options:',
  '  --config F         tinyml-gate.yml (docs/configuration.md)',
  '  --base REF         base branch or commit (e.g. main)',
  '  --head REF         head commit (configuration and models read from it); default the',
  '                     work tree. Datasets are always read from the work tree.',
  "  --board IDS        board ids or labels instead of the configuration's (comma-separated)",
  '  --model NAMES      only these models of the configuration (comma-separated)',
  '  --out DIR          where result documents and report.md go (default: a new temp folder)',
  '  --json             print a JSON summary (verdict, reasons, skipped, result files)',
  "  --inventory F      the agent's boards.yml (default: the QEMU boards qemu-m3/m4/m7/m55)",
  "  --baseline-mode M  override the configuration's baseline.mode (no history store here:",
  '                     auto and remeasure re-measure the base; history is inconclusive)',
  '  --kernels K        kernel set of the QEMU firmware images: ref (default) or opt',
  '  --repo DIR         the repository (default: the current directory)',
  '  --mermaid          add per-layer charts to the report',
  '  --timeout-scale X  scale every board timeout (slow or loaded machines)',
  '  -h, --help         show this help',
  '',
  'exit status: 0 pass, 1 fail (a budget is broken), 3 inconclusive (a measurement failed',
  'or no usable baseline), 4 the gate could not run (bad configuration, unknown ref), 2 usage.',
  '',
].join('\n');

const EXIT = { pass: 0, fail: 1, inconclusive: 3 } as const;
export const EXIT_ERROR = 4;

/** What the CLI measures with; injected so tests can stand a fake board in. */
export type BenchFactory = (opts: InProcessBenchOptions) => {
  bench: BenchFn;
  close(): Promise<void>;
};

export async function runRun(argv: readonly string[], io: CliIo): Promise<number> {
  // Loaded on use: the agent (serial ports, QEMU) is no concern of the other commands.
  const { inProcessBench } = await import('../pipeline/agent-bench.ts');
  return runRunWith(argv, io, inProcessBench);
}

export async function runRunWith(
  argv: readonly string[],
  io: CliIo,
  makeBench: BenchFactory,
): Promise<number> {
  const { positionals, flags } = parseArgs(argv, {
    help: 'boolean',
    config: 'string',
    base: 'string',
    head: 'string',
    board: 'string',
    model: 'string',
    out: 'string',
    json: 'boolean',
    inventory: 'string',
    'baseline-mode': 'string',
    kernels: 'string',
    repo: 'string',
    mermaid: 'boolean',
    'timeout-scale': 'string',
  });
  if (flags.has('help')) {
    io.stdout.write(RUN_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const str = (name: string): string | undefined => {
    const v = flags.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const list = (name: string): string[] | undefined =>
    str(name)
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const config = str('config');
  if (config === undefined) throw new UsageError('--config is required');
  const mode = str('baseline-mode');
  if (mode !== undefined && !['remeasure', 'history', 'auto'].includes(mode)) {
    throw new UsageError(`--baseline-mode must be remeasure, history or auto, not "${mode}"`);
  }
  const kernels = str('kernels');
  if (kernels !== undefined && kernels !== 'ref' && kernels !== 'opt') {
    throw new UsageError(`--kernels must be ref or opt, not "${kernels}"`);
  }
  const scaleText = str('timeout-scale');
  const timeoutScale = scaleText === undefined ? undefined : Number(scaleText);
  if (timeoutScale !== undefined && !(Number.isFinite(timeoutScale) && timeoutScale > 0)) {
    throw new UsageError(`--timeout-scale must be a positive number, not "${scaleText}"`);
  }

  const log = (line: string): void => void io.stderr.write(`tinyml-gate: ${line}\n`);
  const cwd = process.cwd();
  const repoDir = path.resolve(cwd, str('repo') ?? '.');
  const b = makeBench({
    ...(str('inventory') !== undefined
      ? { inventory: path.resolve(cwd, str('inventory') ?? '') }
      : {}),
    ...(kernels !== undefined ? { kernels } : {}),
    ...(timeoutScale !== undefined ? { timeoutScale } : {}),
    log: (line) => log(`agent: ${line}`),
  });
  let r: PipelineResult;
  try {
    const base = str('base');
    const head = str('head');
    const out = str('out');
    const boards = list('board');
    const models = list('model');
    r = await runPipeline({
      configPath: path.resolve(cwd, config),
      repoDir,
      bench: b.bench,
      ...(base !== undefined ? { baseRef: base } : {}),
      ...(head !== undefined ? { headRef: head } : {}),
      ...(boards !== undefined ? { boards } : {}),
      ...(models !== undefined ? { models } : {}),
      ...(mode !== undefined ? { baselineMode: mode as BaselineMode } : {}),
      ...(out !== undefined ? { outDir: path.resolve(cwd, out) } : {}),
      mermaid: flags.has('mermaid'),
      log,
    });
  } catch (e) {
    // A run that could not decide anything: not a failed budget, so not exit 1.
    const message = e instanceof Error ? e.message : String(e);
    io.stderr.write(`error: ${message}\n`);
    return EXIT_ERROR;
  } finally {
    await b.close();
  }
  if (flags.has('json')) io.stdout.write(`${JSON.stringify(summary(r), null, 2)}\n`);
  else io.stdout.write(r.markdown);
  return EXIT[r.verdict];
}

/** The JSON form: what a script needs, with the full documents left in their files. */
function summary(r: PipelineResult) {
  return {
    verdict: r.verdict,
    reasons: r.comparison.reasons.map((x) => ({
      model: x.model,
      board: x.board,
      kind: x.kind,
      outcome: x.outcome,
      ...(x.waived !== undefined ? { waived: x.waived } : {}),
      message: x.message,
    })),
    entries: r.comparison.entries.map((e) => ({
      model: e.model,
      board: e.board,
      status: e.status,
      verdict: e.verdict,
      baselineSource: e.baselineSource,
      ...(e.error !== undefined ? { error: e.error } : {}),
    })),
    skipped: r.skipped,
    results: r.results.map((x) => ({
      role: x.role,
      model: x.doc.model.name,
      board: x.doc.board.boardId,
      commit: x.doc.commit.sha,
      path: x.path,
    })),
    report: path.join(r.outDir, 'report.md'),
  };
}
