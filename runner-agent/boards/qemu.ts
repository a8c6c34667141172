// An emulated board: qemu-system-arm running the board's agent image with
// -icount shift=0,align=off,sleep=off (virtual time follows the instruction count, so
// ticks are deterministic) and UART0 on a pseudo-terminal, which the agent opens with
// serialport like any real board. "Flashing" is restarting QEMU with another image; a
// reset is a restart too.
import { spawn, type ChildProcess } from 'node:child_process';
import type { EmulatedBoard } from '../../src/schema/boards-types.ts';
import { openSerialTransport } from '../transport/serialport.ts';
import type { Transport } from '../transport/transport.ts';
import { AgentError } from '../jobs/errors.ts';
import type { StepOptions } from './board.ts';
import { elfFootprint, locateImage, type FirmwareImage, type ImageOptions } from './image.ts';
import { LinkBoard, type LinkBoardOptions } from './link-board.ts';

export interface QemuBoardOptions extends LinkBoardOptions {
  /** Default 'qemu-system-arm' (from PATH). */
  qemu?: string;
  image?: ImageOptions;
  /** Time for QEMU to print its pty. Default 10 s. */
  launchTimeoutMs?: number;
}

const PTY_LINE = /char device redirected to (\/dev\/\S+)/;

export function qemuArgs(machine: string, elf: string): string[] {
  return [
    '-M',
    machine,
    '-kernel',
    elf,
    '-icount',
    'shift=0,align=off,sleep=off',
    '-nographic',
    '-monitor',
    'none',
    '-serial',
    'pty',
    // The image may print through semihosting too (as the harness does); without this
    // such a call would fault.
    '-semihosting-config',
    'enable=on,target=native',
  ];
}

/** Starts QEMU and resolves with the pty of its first serial port. */
export function launchQemu(
  qemu: string,
  args: string[],
  timeoutMs: number,
  what: string,
): Promise<{ child: ChildProcess; pty: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const fail = (msg: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(
        new AgentError(
          'emulator-failed',
          `${what}: ${msg}${out ? `: ${out.trim().slice(-400)}` : ''}`,
        ),
      );
    };
    const timer = setTimeout(() => fail(`no pseudo-terminal within ${timeoutMs} ms`), timeoutMs);
    const onText = (b: Buffer) => {
      out += b.toString('utf8');
      if (out.length > 16384) out = out.slice(-8192);
      const m = PTY_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.removeListener('data', onText);
        child.stderr?.removeListener('data', onText);
        // Keep draining QEMU's output so it never blocks on a full pipe.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ child, pty: m[1] });
      }
    };
    child.stdout?.on('data', onText);
    child.stderr?.on('data', onText);
    child.once('error', (e) => fail(e.message));
    child.once('exit', (code, sig) =>
      fail(`exited (${sig ?? `status ${code}`}) before its pty was ready`),
    );
  });
}

export class QemuBoard extends LinkBoard {
  private child: ChildProcess | null = null;
  private image: FirmwareImage | null = null;
  private footprint: { engineBytes: number; staticRamBytes: number } | null = null;

  constructor(
    override readonly spec: EmulatedBoard,
    private readonly qopts: QemuBoardOptions = {},
  ) {
    super(spec, qopts);
  }

  /** The image's hash as it is now on disk (someone may have rebuilt it since QEMU started). */
  protected async wantedHash(): Promise<string | null> {
    this.image = await locateImage(this.spec.machine, { ...this.qopts.image, rebuild: false });
    return this.image.hash;
  }

  imageFootprint() {
    return this.footprint;
  }

  protected async open(opts: StepOptions): Promise<Transport> {
    // make is incremental (0.3 s when nothing changed): every launch runs the current sources.
    const image = await locateImage(this.spec.machine, {
      ...this.qopts.image,
      rebuild: this.qopts.image?.build !== false,
    });
    this.image = image;
    this.footprint = await elfFootprint(image.elf);
    if (opts.signal?.aborted)
      throw new AgentError('cancelled', `board ${this.id}: start cancelled`);
    const { child, pty } = await launchQemu(
      this.qopts.qemu ?? 'qemu-system-arm',
      qemuArgs(this.spec.machine, image.elf),
      this.qopts.launchTimeoutMs ?? 10_000,
      `board ${this.id}: qemu-system-arm -M ${this.spec.machine}`,
    );
    this.child = child;
    child.once('exit', (code, sig) => {
      if (this.child === child) {
        this.log(`board ${this.id}: QEMU exited (${sig ?? `status ${code}`})`);
        this.child = null;
        void this.transport?.close();
      }
    });
    this.log(`board ${this.id}: QEMU pid ${child.pid} on ${pty} with ${image.elf}`);
    return openSerialTransport({ path: pty, baudRate: 115200 });
  }

  protected async close(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** QEMU while it runs (fault tests hang or kill it; the lease store records it). */
  get process(): { pid: number; program: string } | undefined {
    const pid = this.child?.pid;
    return pid === undefined ? undefined : { pid, program: this.qopts.qemu ?? 'qemu-system-arm' };
  }

  /** Stops the emulator without telling the link: the board stops answering (SIGSTOP). */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }
}
