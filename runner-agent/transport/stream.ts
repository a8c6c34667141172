// A transport over a pair of Node streams: a child process's stdio (the host virtual
// board) or any duplex. The child variant owns the process: close() ends it.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { TransportBase, TransportError } from './transport.ts';

export class StreamTransport extends TransportBase {
  private readonly input: Readable;
  private readonly output: Writable;
  private readonly name: string;

  /** `name` appears in every error message (a path or a command line). */
  constructor(input: Readable, output: Writable, name: string) {
    super();
    this.input = input;
    this.output = output;
    this.name = name;
    input.on('data', (chunk: Buffer) => this.emitData(chunk));
    input.on('end', () => this.emitClose(new TransportError('closed', `${name}: end of stream`)));
    input.on('error', (e: Error) =>
      this.emitClose(new TransportError('closed', `${name}: ${e.message}`, { cause: e })),
    );
    // EPIPE on a dead child surfaces here; the pending write rejects on its own.
    output.on('error', () => {});
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.assertOpen(`${this.name}: write`);
    return new Promise((resolve, reject) => {
      this.output.write(bytes, (e) => {
        if (e)
          reject(new TransportError('write-failed', `${this.name}: ${e.message}`, { cause: e }));
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.emitClose();
    this.output.end();
    this.input.destroy();
  }
}

export interface ChildTransport {
  transport: StreamTransport;
  child: ChildProcess;
}

/**
 * Starts `command` with its stdin/stdout as the line; stderr is passed to `onStderr`
 * (default: discarded). close() of the transport also ends the process.
 */
export function spawnTransport(
  command: string,
  args: readonly string[],
  options: { onStderr?: (text: string) => void; cwd?: string } = {},
): Promise<ChildTransport> {
  const name = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: options.cwd });
    child.once('error', (e) =>
      reject(new TransportError('open-failed', `${name}: ${e.message}`, { cause: e })),
    );
    child.once('spawn', () => {
      const transport = new ChildStreamTransport(child, name);
      const onStderr = options.onStderr;
      child.stderr?.on('data', (b: Buffer) => onStderr?.(b.toString('utf8')));
      resolve({ transport, child });
    });
  });
}

class ChildStreamTransport extends StreamTransport {
  private readonly child: ChildProcess;

  constructor(child: ChildProcess, name: string) {
    if (!child.stdout || !child.stdin) throw new TransportError('open-failed', `${name}: no stdio`);
    super(child.stdout, child.stdin, name);
    this.child = child;
  }

  override async close(): Promise<void> {
    await super.close();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.kill('SIGTERM');
    });
  }
}
