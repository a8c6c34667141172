// A real board on a serial port (an ST-LINK virtual COM port), flashed and reset with the
// inventory's own commands (commands.ts: argv, no shell, placeholders, timeouts). When an
// image is configured for the board and the running firmware's build hash differs from
// the image's, the board is flashed before its first job.
import { existsSync, readFileSync } from 'node:fs';
import type { RealBoard } from '../../src/schema/boards-types.ts';
import { openSerialTransport } from '../transport/serialport.ts';
import type { Transport } from '../transport/transport.ts';
import { AgentError } from '../jobs/errors.ts';
import type { DeviceFacts, StepOptions } from './board.ts';
import { runBoardCommand } from './commands.ts';
import { elfFootprint } from './image.ts';
import { LinkBoard, type LinkBoardOptions } from './link-board.ts';

export interface BoardImage {
  /** ELF of the firmware ({image}); {imageBin}/{imageHex} are the same name with .bin/.hex. */
  elf: string;
  /** Its build hash file (tg_agent.hash); default: beside the ELF. */
  hashFile?: string;
}

export interface RealBoardOptions extends LinkBoardOptions {
  /** The image this board must run; absent: use whatever firmware answers. */
  image?: BoardImage;
}

export class RealSerialBoard extends LinkBoard {
  private footprint: { engineBytes: number; staticRamBytes: number } | null = null;

  constructor(
    override readonly spec: RealBoard,
    private readonly ropts: RealBoardOptions = {},
  ) {
    super(spec, ropts);
  }

  protected async wantedHash(): Promise<string | null> {
    const img = this.ropts.image;
    if (!img) return null;
    const file = img.hashFile ?? img.elf.replace(/\.elf$/, '.hash');
    if (!existsSync(file)) return null;
    const h = readFileSync(file, 'utf8').trim().toLowerCase();
    return /^[0-9a-f]{64}$/.test(h) ? h : null;
  }

  imageFootprint() {
    return this.footprint;
  }

  protected async open(_opts: StepOptions = {}): Promise<Transport> {
    if (this.ropts.image) this.footprint = await elfFootprint(this.ropts.image.elf);
    return openSerialTransport({
      path: this.spec.serial.path,
      baudRate: this.spec.serial.baud ?? 115200,
    });
  }

  protected async close(): Promise<void> {
    // The port is closed with the transport; nothing else runs for a real board.
  }

  /** Connects; flashes first when the running firmware is not the wanted image. */
  override async start(opts: StepOptions = {}): Promise<DeviceFacts> {
    const facts = await super.start(opts);
    const want = await this.wantedHash();
    if (want === null || facts.buildHash === want) return facts;
    this.log(
      `board ${this.id}: runs firmware ${facts.buildHash.slice(0, 12)}, wanted ${want.slice(0, 12)}: flashing`,
    );
    await this.flash(opts);
    const after = await this.restart(opts);
    if (after.buildHash !== want) {
      throw new AgentError(
        'command-failed',
        `board ${this.id}: after flashing, the firmware reports build ${after.buildHash}, the image is ${want}`,
      );
    }
    return after;
  }

  /** The inventory's reset command, then a fresh connection and HELLO. */
  override async reset(opts: StepOptions = {}): Promise<DeviceFacts> {
    await this.stop();
    await runBoardCommand(this.spec, 'reset', this.imageValues(), opts.signal);
    return this.restart(opts);
  }

  private async flash(opts: StepOptions): Promise<void> {
    await this.stop();
    await runBoardCommand(this.spec, 'flash', this.imageValues(), opts.signal);
  }

  private imageValues() {
    const elf = this.ropts.image?.elf;
    if (!elf) return {};
    const base = elf.replace(/\.elf$/, '');
    return { image: elf, imageBin: `${base}.bin`, imageHex: `${base}.hex` };
  }
}
