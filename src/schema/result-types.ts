// TypeScript form of schemas/result.schema.json. The schema is the contract; these
// types mirror it field for field so that code past the validating edge can trust its
// input. Change both together (test/schema/types.test.ts checks typed documents
// against the schema).

/** One tensor of subgraph 0. */
export interface TensorInfo {
  /** Index in the subgraph's tensor list. */
  index: number;
  name: string;
  /** Dimensions; [] for a scalar. */
  shape: number[];
  /** TFLite TensorType, lower case ('int8', 'float32', ...). */
  dtype: string;
  /** real = scale * (q - zeroPoint); one entry per tensor or per channel along axis. */
  quantization?: { scale: number[]; zeroPoint: number[]; axis: number };
}

/** Static facts of one operator (counting rules in docs/metrics.md). */
export interface LayerAnalysis {
  index: number;
  /** Builtin name ('CONV_2D') or 'CUSTOM:<code>'. */
  op: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  macs: number;
  params: number;
  weightBytes: number;
  activationBytes: number;
}

/** Output of `tinyml-gate analyze --json`; schema: result.schema.json#/$defs/modelAnalysis. */
export interface ModelAnalysis {
  name: string;
  /** SHA-256 of the .tflite file, 64 lowercase hex digits. */
  sha256: string;
  bytes: number;
  subgraphs: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  ops: { op: string; count: number }[];
  layers: LayerAnalysis[];
  totals: {
    layers: number;
    macs: number;
    params: number;
    weightBytes: number;
    activationBytes: number;
  };
  arena: { bytes: number; algorithm: 'greedy-by-size'; tensors: number };
  flash: { modelBytes: number; engineBytes: number | null; totalBytes: number | null };
}

export type BoardKind = 'real' | 'emulated';
export type QemuMachine = 'mps2-an385' | 'mps2-an386' | 'mps2-an500' | 'mps3-an547';
export type Core = 'cortex-m3' | 'cortex-m4' | 'cortex-m7' | 'cortex-m33' | 'cortex-m55';
export type KernelSet = 'ref' | 'opt';
/** 'opt-fallback': an opt build whose fast-path preconditions failed for this layer. */
export type KernelPath = 'ref' | 'opt' | 'opt-fallback';
/** Real silicon counts cycles; QEMU -icount counts instructions, never cycles. */
export type TimeUnit = 'cycles' | 'instructions';

/** What was measured on; results compare only within one fingerprint. */
export interface BoardFingerprint {
  boardId: string;
  kind: BoardKind;
  /** Present exactly when kind is 'emulated'. */
  machine?: QemuMachine;
  /** 'host' for the engine built for the test machine. */
  core: Core | 'host';
  clockHz: number;
  fpu: boolean;
  dsp: boolean;
  kernelSet: KernelSet;
  /** SHA-256 of the flashed image. */
  firmwareHash: string;
  firmwareVersion: string;
  /** e.g. 'arm-none-eabi-gcc 12.2.1'. */
  compiler: string;
}

/** Statistics over the repeats, in the document's timeUnit. */
export interface TickStats {
  median: number;
  min: number;
  max: number;
  /** Median absolute deviation from the median. */
  mad: number;
  n: number;
}

/** ticks / clockHz; modelled (true) on emulated boards, null where no time can be given. */
export type Microseconds = { median: number; modelled: boolean } | null;

/** Microjoules; modelled is true for the emulated meter's power model. */
export interface Energy {
  value: number;
  modelled: boolean;
}

export interface LayerResult {
  /** Index into model.layers. */
  index: number;
  op: string;
  kernelPath: KernelPath;
  ticks: TickStats;
  microseconds: Microseconds;
  energyUj?: Energy;
  /** Median ticks / MACs; null for layers with no MACs. */
  ticksPerMac: number | null;
}

export interface Footprint {
  flashBytes: number;
  modelBytes: number;
  engineBytes: number;
  arenaBytes: number;
  ramBytes: number;
}

/** Scores in percent (0-100): top-1 for classification, within-tolerance share for regression. */
export interface Accuracy {
  task: 'classification' | 'regression';
  samples: number;
  hostFloat?: number;
  hostInt8?: number;
  device?: number;
  /** Host int8 versus device: argmax agreement in percent, largest output difference. */
  agreement?: { argmax: number; maxAbsDiff: number };
}

/** One model on one board at one commit: schemas/result.schema.json. */
export interface ResultDocument {
  schemaVersion: 1;
  toolVersion: string;
  /** RFC 3339 date-time. */
  createdAt: string;
  commit: { sha: string; ref?: string };
  model: ModelAnalysis;
  board: BoardFingerprint;
  timeUnit: TimeUnit;
  layers: LayerResult[];
  totals: { ticks: TickStats; microseconds: Microseconds; energyUj?: Energy };
  footprint: Footprint;
  accuracy?: Accuracy;
  notes: string[];
}
