// `tinyml-agent serve` as a child process, for the tests and benches that need the real
// command (a kill, a bind address, a long soak): started on a folder holding boards.json and
// token, with its state file there too, and resolved once it prints its address.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const AGENT = resolve(import.meta.dirname, '..', '..', 'bin', 'tinyml-agent.js');
/** The output kept for log(): the tail, so a long soak does not grow without bound. */
const LOG_CHARS = 64_000;

export interface RunningAgent {
  child: ChildProcess;
  /** The address it printed, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Its stdout and stderr so far (the last LOG_CHARS characters). */
  log: () => string;
}

/** Starts the agent on dir/boards.json, dir/token and dir/leases.json with any extra arguments. */
export function startAgent(dir: string, extra: string[] = []): Promise<RunningAgent> {
  const args = [
    AGENT,
    'serve',
    '--inventory',
    join(dir, 'boards.json'),
    '--port',
    '0',
    '--token-file',
    join(dir, 'token'),
    '--state',
    join(dir, 'leases.json'),
    ...extra,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let all = '';
  let started = false;
  const log = (): string => all;
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`agent did not start in 30 s: ${all}`)),
      30_000,
    );
    const onText = (b: Buffer): void => {
      all = (all + b.toString()).slice(-LOG_CHARS);
      const m = started ? null : /listening on (http:\/\/\S+)/.exec(all);
      if (m) {
        started = true;
        clearTimeout(timer);
        resolveStart({ child, url: m[1], port: Number(new URL(m[1]).port), log });
      }
    };
    child.stdout?.on('data', onText);
    child.stderr?.on('data', onText);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited (${code}): ${all}`));
    });
  });
}
