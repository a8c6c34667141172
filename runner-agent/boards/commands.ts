// The flash and reset commands of real boards. Only argv arrays read from the inventory
// are ever run, with execFile (no shell: a placeholder's value is one argument, whatever
// characters it holds), a timeout, and the placeholders {image} {imageBin} {imageHex}
// {serial} {id} replaced; {{ and }} stand for literal braces (schemas/boards.schema.json).
import { execFile } from 'node:child_process';
import type { RealBoard } from '../../src/schema/boards-types.ts';
import { AgentError } from '../jobs/errors.ts';

export interface CommandValues {
  image?: string;
  imageBin?: string;
  imageHex?: string;
  serial: string;
  id: string;
}

const PLACEHOLDER = /\{\{|\}\}|\{(image|imageBin|imageHex|serial|id)\}|[{}]/g;

/** Replaces the placeholders of one argument; an unknown or unmatched brace is refused. */
export function substitute(arg: string, values: CommandValues, where: string): string {
  return arg.replace(PLACEHOLDER, (m, name: keyof CommandValues | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    if (name === undefined) {
      throw new AgentError('command-failed', `${where}: stray "${m}" in argument "${arg}"`, {
        boardFault: false,
      });
    }
    const v = values[name];
    if (v === undefined) {
      throw new AgentError('command-failed', `${where}: {${name}} has no value for this command`, {
        boardFault: false,
      });
    }
    return v;
  });
}

export interface CommandResult {
  argv: string[];
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs the board's `flash` or `reset` command from the inventory entry `board`. The
 * command itself cannot be passed in: only the values of the placeholders.
 */
export async function runBoardCommand(
  board: RealBoard,
  which: 'flash' | 'reset',
  values: Omit<CommandValues, 'serial' | 'id'>,
  signal?: AbortSignal,
): Promise<CommandResult> {
  const spec = board[which];
  const where = `board ${board.id}: ${which} command`;
  const argv = spec.command.map((a) =>
    substitute(a, { ...values, serial: board.serial.path, id: board.id }, where),
  );
  const timeoutMs = (spec.timeoutS ?? (which === 'flash' ? 120 : 30)) * 1000;
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      argv[0],
      argv.slice(1),
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 << 20, shell: false, signal },
      (err, stdout, stderr) => {
        const ms = performance.now() - t0;
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
          const why = e.killed
            ? `killed after ${timeoutMs} ms`
            : typeof e.code === 'number'
              ? `exit status ${e.code}`
              : e.message;
          const tail = String(stderr).trim().split('\n').slice(-3).join(' | ');
          reject(
            new AgentError(
              'command-failed',
              `${where} [${argv.join(' ')}] failed: ${why}${tail ? `: ${tail}` : ''}`,
              {
                cause: err,
                boardFault: true,
              },
            ),
          );
          return;
        }
        resolve({ argv, stdout: String(stdout), stderr: String(stderr), ms });
      },
    );
  });
}
