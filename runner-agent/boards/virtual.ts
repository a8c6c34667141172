// The host-built virtual board (firmware/build/host-proto/tg_virtual_board): the
// firmware's protocol dispatcher and engine compiled for this machine, talking over its
// stdin/stdout. It stands in for an emulated board where QEMU would only slow a test
// down (leases, queueing, the API). With `--ticks counter` its ticks are deterministic.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTransport, type ChildTransport } from '../transport/stream.ts';
import type { Transport } from '../transport/transport.ts';
import type { BoardSpec } from '../../src/schema/boards-types.ts';
import { AgentError } from '../jobs/errors.ts';
import { REPO_ROOT, elfFootprint } from './image.ts';
import type { StepOptions } from './board.ts';
import { LinkBoard, type LinkBoardOptions } from './link-board.ts';

export const VIRTUAL_BOARD = join(REPO_ROOT, 'firmware', 'build', 'host-proto', 'tg_virtual_board');

export interface VirtualBoardOptions extends LinkBoardOptions {
  /** The program. Default firmware/build/host-proto/tg_virtual_board. */
  program?: string;
  /** Extra arguments, e.g. ['--model-ram', '4096']. Default ['--ticks', 'counter']. */
  args?: string[];
}

export class VirtualBoard extends LinkBoard {
  private child: ChildTransport | null = null;
  private footprint: { engineBytes: number; staticRamBytes: number } | null = null;

  constructor(
    spec: BoardSpec,
    private readonly vopts: VirtualBoardOptions = {},
  ) {
    super(spec, vopts);
  }

  protected async wantedHash(): Promise<string | null> {
    return null;
  }

  imageFootprint() {
    return this.footprint;
  }

  protected async open(_opts: StepOptions = {}): Promise<Transport> {
    const program = this.vopts.program ?? VIRTUAL_BOARD;
    if (!existsSync(program)) {
      throw new AgentError(
        'firmware-missing',
        `${program}: no virtual board (make -C firmware host-proto)`,
        {
          boardFault: false,
        },
      );
    }
    this.footprint = await elfFootprint(program, 'size');
    this.child = await spawnTransport(program, this.vopts.args ?? ['--ticks', 'counter'], {
      onStderr: (t) => this.log(`board ${this.id} stderr: ${t.trim()}`),
    });
    return this.child.transport;
  }

  protected async close(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (!c) return;
    if (c.child.exitCode === null && c.child.signalCode === null) {
      await new Promise<void>((resolve) => {
        c.child.once('exit', () => resolve());
        c.child.kill('SIGKILL');
      });
    }
  }

  get process(): { pid: number; program: string } | undefined {
    const pid = this.child?.child.pid;
    return pid === undefined ? undefined : { pid, program: this.vopts.program ?? VIRTUAL_BOARD };
  }

  /** The board stops answering (SIGSTOP), for hang tests. */
  freeze(): void {
    this.child?.child.kill('SIGSTOP');
  }
}
