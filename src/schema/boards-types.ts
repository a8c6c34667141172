// TypeScript form of schemas/boards.schema.json (the agent's board inventory).
// loadBoardsFile returns a `BoardsFile` with the schema's defaults filled in (serial
// baud, command timeouts). Change together with the schema.
import type { Core, QemuMachine } from './result-types.ts';

/**
 * argv: program then arguments, run without a shell. Placeholders: {image} (ELF),
 * {imageBin}, {imageHex}, {serial}, {id}; {{ and }} are literal braces.
 */
export type Argv = string[];

export interface SerialPortSpec {
  path: string;
  /** Default 115200. */
  baud?: number;
}

export interface CommandSpec {
  command: Argv;
  /** Default: 120 for flash, 30 for reset. */
  timeoutS?: number;
}

export type MeterKind = 'ppk2' | 'lpm01a' | 'emulated';

export interface MeterSpec {
  kind: MeterKind;
  /** Required for ppk2 and lpm01a, absent for emulated. */
  serial?: SerialPortSpec;
  /** PPK2 digital channel D0-D7 carrying the GPIO marker; required for ppk2 only. */
  markerChannel?: number;
  /** Supply voltage fed to the board, millivolts. */
  supplyMv?: number;
}

interface BoardCommon {
  /** Unique on this host. */
  id: string;
  core: Core;
  /** Core clock; for emulated boards the nominal clock used to model microseconds. */
  clockHz: number;
  meter?: MeterSpec;
  labels: string[];
}

export interface RealBoard extends BoardCommon {
  kind: 'real';
  serial: SerialPortSpec;
  flash: CommandSpec;
  reset: CommandSpec;
}

/** The agent starts QEMU itself and talks over its pseudo-terminal. */
export interface EmulatedBoard extends BoardCommon {
  kind: 'emulated';
  machine: QemuMachine;
}

export type BoardSpec = RealBoard | EmulatedBoard;

export interface BoardsFile {
  schemaVersion: 1;
  boards: BoardSpec[];
}
