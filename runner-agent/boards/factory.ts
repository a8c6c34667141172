// Inventory entry -> Board: QEMU for emulated entries (or the host virtual board when
// the agent is told to use it, for fast tests), a serial board for real ones.
import type { BoardSpec } from '../../src/schema/boards-types.ts';
import type { Board } from './board.ts';
import type { ImageOptions } from './image.ts';
import { QemuBoard } from './qemu.ts';
import { RealSerialBoard, type BoardImage } from './real.ts';
import { VirtualBoard } from './virtual.ts';

export interface BoardFactoryOptions {
  /** Run emulated entries on the host virtual board instead of QEMU (program path, args). */
  virtual?: { program?: string; args?: string[] };
  /** Kernel set and float ABI of the QEMU images. */
  image?: ImageOptions;
  /** Firmware images of real boards, by board id. */
  realImages?: Record<string, BoardImage>;
  timeoutScale?: number;
  log?: (line: string) => void;
}

export function boardFactory(opts: BoardFactoryOptions = {}): (spec: BoardSpec) => Board {
  return (spec) => {
    const common = { timeoutScale: opts.timeoutScale, log: opts.log };
    if (spec.kind === 'real') {
      return new RealSerialBoard(spec, {
        ...common,
        bytesPerSecond: (spec.serial.baud ?? 115200) / 10,
        image: opts.realImages?.[spec.id],
      });
    }
    if (opts.virtual) return new VirtualBoard(spec, { ...common, ...opts.virtual });
    return new QemuBoard(spec, { ...common, image: opts.image });
  };
}
