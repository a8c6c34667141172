// The tinyml-gate command line: dispatches to one command and turns every failure into
// an exit code and one line on stderr (2: usage, 1: the command failed).
import { readFileSync } from 'node:fs';
import { ANALYZE_USAGE, runAnalyze } from './analyze.ts';
import { UsageError, parseArgs } from './args.ts';
import { EVAL_USAGE, runEval } from './eval.ts';
import { QUANTIZE_USAGE, runQuantize } from './quantize.ts';
import { RUN_USAGE, runRun } from './run.ts';

/** Where the CLI writes; process.stdout/stderr by default, string collectors in tests. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/** A command gets its own arguments (after the command name) and returns an exit code. */
type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string; usage: string }> = {
  analyze: {
    run: runAnalyze,
    summary: 'per-layer MACs, params, bytes, arena and flash of a .tflite model',
    usage: ANALYZE_USAGE,
  },
  eval: {
    run: runEval,
    summary: 'host accuracy of a model over a dataset, drift against a reference model',
    usage: EVAL_USAGE,
  },
  quantize: {
    run: runQuantize,
    summary: 'post-training int8 quantization of a TF.js Layers model to .tflite',
    usage: QUANTIZE_USAGE,
  },
  run: {
    run: runRun,
    summary: 'the gate locally: measure changed models against the base, print the report',
    usage: RUN_USAGE,
  },
};

export const USAGE = [
  'usage: tinyml-gate <command> [options]',
  '',
  'commands:',
  ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
  '',
  'options:',
  "  -h, --help  show this help (or a command's: tinyml-gate <command> --help)",
  '  --version   print the version',
  '',
].join('\n');

export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined || first.startsWith('-')) {
      // Only global flags come before the command name.
      const { flags, positionals } = parseArgs(argv, { help: 'boolean', version: 'boolean' });
      if (positionals.length > 0) throw new UsageError(`options go after the command name`);
      if (flags.has('help')) {
        io.stdout.write(USAGE);
        return 0;
      }
      if (flags.has('version')) {
        io.stdout.write(`${version()}\n`);
        return 0;
      }
      throw new UsageError('no command given');
    }
    const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
    if (command === undefined) throw new UsageError(`unknown command "${first}"`);
    try {
      return await command.run(rest, io);
    } catch (e) {
      if (e instanceof UsageError) {
        io.stderr.write(`error: ${e.message}\n\n${command.usage}`);
        return 2;
      }
      throw e;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    // One line, never a stack trace: the user needs the message, not our internals
    // (TINYML_GATE_DEBUG=1 shows the stack when we need it).
    const message = e instanceof Error ? e.message : String(e);
    io.stderr.write(`error: ${message.split('\n')[0]}\n`);
    if (process.env.TINYML_GATE_DEBUG && e instanceof Error && e.stack) {
      io.stderr.write(`${e.stack}\n`);
    }
    return 1;
  }
}

function version(): string {
  const pkg: unknown = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  );
  const v = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? pkg.version : undefined;
  return `tinyml-gate ${typeof v === 'string' ? v : 'unknown'}`;
}
