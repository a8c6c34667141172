// What the agent needs from a board, whatever stands behind it: a QEMU machine, a real
// board on a USB serial port, or the host-built virtual board. `Device` is the protocol
// conversation (docs/protocol.md) in the agent's terms; each Board adapts the protocol
// client of runner-agent/device/ to it, so jobs and benchmarks never see frames.
import type { BoardSpec } from '../../src/schema/boards-types.ts';
import type { Core, KernelSet, KernelPath } from '../../src/schema/result-types.ts';

export type { BoardSpec, Core, KernelSet, KernelPath };

/** The device's facts from HELLO. */
export interface DeviceFacts {
  protocolVersion: number;
  board: string;
  core: string;
  clockHz: number;
  /** Rate of the tick counter that times layers; ticks / tickHz = seconds of (virtual) time. */
  tickHz: number;
  fpu: boolean;
  dsp: boolean;
  kernelSet: KernelSet;
  fastPath: string;
  modelRamBytes: number;
  arenaBytes: number;
  maxFrame: number;
  firmwareVersion: string;
  /** 64 lowercase hex digits. */
  buildHash: string;
  compiler: string;
}

export interface TensorDesc {
  /** TFLite tensor type name, lower case ('int8', 'float32'). */
  type: string;
  dims: number[];
  scale: number;
  zeroPoint: number;
  /** Bytes of the whole tensor. */
  bytes: number;
}

export interface LoadedModel {
  layers: { op: string; kernelPath: KernelPath }[];
  arenaUsed: number;
  inputs: TensorDesc[];
  outputs: TensorDesc[];
}

export interface InvokeTicks {
  /** One entry per repeat: ticks of each layer and of the whole inference. */
  repeats: { layers: number[]; total: number }[];
}

export interface StepOptions {
  signal?: AbortSignal;
}

export interface Device {
  hello(opts?: StepOptions): Promise<DeviceFacts>;
  /** Uploads and loads the model; `onProgress` gets the fraction sent (0..1). */
  upload(
    model: Uint8Array,
    opts?: StepOptions & {
      onProgress?: (fraction: number) => void;
      /** The model's MACs: sizes the device's invoke and evaluation timeouts. */
      macs?: number;
    },
  ): Promise<LoadedModel>;
  setInput(index: number, bytes: Uint8Array, opts?: StepOptions): Promise<void>;
  invoke(warmup: number, repeats: number, opts?: StepOptions): Promise<InvokeTicks>;
  getOutput(index: number, bytes: number, opts?: StepOptions): Promise<Uint8Array>;
  /**
   * Streams `count` samples (input 0 bytes, from `sample(k)`) and returns output 0 of each,
   * in order; `onResult(k)` after each one arrives.
   */
  evaluate(
    count: number,
    sample: (k: number) => Uint8Array,
    opts?: StepOptions & { onResult?: (k: number) => void },
  ): Promise<Uint8Array[]>;
}

export type BoardState = 'stopped' | 'starting' | 'ready' | 'failed';

export interface Board {
  readonly id: string;
  readonly spec: BoardSpec;
  readonly state: BoardState;
  /** The process standing for the board (QEMU, the virtual board) while it runs. */
  readonly process?: { pid: number; program: string };
  /** Brings the board up with the wanted firmware (starting QEMU or flashing when needed). Idempotent. */
  start(opts?: StepOptions): Promise<DeviceFacts>;
  /** Asks the running firmware for its facts (a liveness check too). */
  hello(opts?: StepOptions): Promise<DeviceFacts>;
  /** The protocol conversation; only valid after start(). */
  device(): Device;
  /** Hard reset: QEMU restarted, or the inventory's reset command. Returns the new facts. */
  reset(opts?: StepOptions): Promise<DeviceFacts>;
  /** Releases the link and any process; the board can be started again. */
  stop(): Promise<void>;
  /** Flash and RAM the firmware takes without the model (from its image), when known. */
  imageFootprint(): { engineBytes: number; staticRamBytes: number } | null;
}
