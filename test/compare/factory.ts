// Test factory for the compare and report tests: real models built with ModelBuilder and
// analysed by analyzeModel (a 16-layer int8 CNN and its variants), and result documents
// around those analyses with per-layer ticks from a simple, documented cost model. The
// documents validate against schemas/result.schema.json (checked in compare.test.ts).
import {
  ModelBuilder,
  addOptions,
  conv2dOptions,
  depthwiseConv2dOptions,
  fullyConnectedOptions,
  pool2dOptions,
  reshapeOptions,
  softmaxOptions,
} from '../../src/model/builder.ts';
import { analyzeModel } from '../../src/model/analysis.ts';
import { writeModel } from '../../src/model/writer.ts';
import type { Quantization } from '../../src/model/types.ts';
import type {
  Accuracy,
  BoardFingerprint,
  KernelPath,
  LayerResult,
  ModelAnalysis,
  ResultDocument,
  TickStats,
} from '../../src/schema/result-types.ts';

export interface CnnOptions {
  /** Output channels of conv4 (layer 4); default 16. Widening it reshapes layers 4-6. */
  conv4Channels?: number;
  /** Name of conv4's output tensor; default 'conv4'. */
  conv4Name?: string;
  /** Kernel size of conv4; default 1 (1x1). */
  conv4Kernel?: number;
  /** Insert an extra 1x1 CONV_2D (32 -> 32) after layer 7; default false. */
  extraConv?: boolean;
}

const q8 = (scale: number, zeroPoint: number): Quantization => ({
  scale: [scale],
  zeroPoint: [zeroPoint],
  quantizedDimension: 0,
});

/** A deterministic fill, so that two builds of the same variant are byte-identical. */
function fill(n: number, seed: number): Int8Array {
  return Int8Array.from({ length: n }, (_, i) => ((i * 37 + seed * 11) % 255) - 127);
}

/**
 * 16 layers (17 with extraConv) on a 16x16x3 input:
 * conv0, dw1, conv2, pool3, conv4, dw5, conv6, conv7, add8, pool9, conv10, gap11, flat12,
 * fc13, fc14, softmax15.
 */
export function cnn(opts: CnnOptions = {}): ModelAnalysis {
  const c4 = opts.conv4Channels ?? 16;
  const b = new ModelBuilder('16-layer test CNN');
  let seed = 1;
  const act = (name: string, shape: number[]): number =>
    b.addTensor({ name, shape, type: 'int8', quantization: q8(0.05, -3) });
  const weights = (name: string, shape: number[]): number =>
    b.addTensor({
      name,
      shape,
      type: 'int8',
      data: fill(
        shape.reduce((a, d) => a * d, 1),
        seed++,
      ),
      quantization: q8(0.01, 0),
    });
  const bias = (name: string, n: number): number =>
    b.addTensor({ name, shape: [n], type: 'int32', data: new Int32Array(n).fill(seed++) });
  const conv = (x: number, name: string, hw: number, cin: number, cout: number, k = 3) => {
    const y = act(name, [1, hw, hw, cout]);
    const w = weights(`${name}/weights`, [cout, k, k, cin]);
    b.addOperator('CONV_2D', [x, w, bias(`${name}/bias`, cout)], [y], conv2dOptions());
    return y;
  };
  const dw = (x: number, name: string, hw: number, c: number): number => {
    const y = act(name, [1, hw, hw, c]);
    const w = weights(`${name}/weights`, [1, 3, 3, c]);
    b.addOperator(
      'DEPTHWISE_CONV_2D',
      [x, w, bias(`${name}/bias`, c)],
      [y],
      depthwiseConv2dOptions(),
    );
    return y;
  };
  const pool = (op: string, x: number, name: string, out: number[], f: number): number => {
    const y = act(name, out);
    const o = pool2dOptions({ padding: 'VALID', filterW: f, filterH: f, strideW: f, strideH: f });
    b.addOperator(op, [x], [y], o);
    return y;
  };

  const input = act('input', [1, 16, 16, 3]);
  let x = conv(input, 'conv0', 16, 3, 8);
  x = dw(x, 'dw1', 16, 8);
  x = conv(x, 'conv2', 16, 8, 16);
  x = pool('MAX_POOL_2D', x, 'pool3', [1, 8, 8, 16], 2);
  x = conv(x, opts.conv4Name ?? 'conv4', 8, 16, c4, opts.conv4Kernel ?? 1);
  x = dw(x, 'dw5', 8, c4);
  const c6 = conv(x, 'conv6', 8, c4, 32, 1);
  let c7 = conv(c6, 'conv7', 8, 32, 32);
  if (opts.extraConv === true) c7 = conv(c7, 'conv7b', 8, 32, 32, 1);
  const sum = act('add8', [1, 8, 8, 32]);
  b.addOperator('ADD', [c6, c7], [sum], addOptions({ activation: 'RELU' }));
  x = pool('MAX_POOL_2D', sum, 'pool9', [1, 4, 4, 32], 2);
  x = conv(x, 'conv10', 4, 32, 32);
  x = pool('AVERAGE_POOL_2D', x, 'gap11', [1, 1, 1, 32], 4);
  const shape = b.addTensor({
    name: 'flat12/shape',
    shape: [2],
    type: 'int32',
    data: Int32Array.from([1, 32]),
  });
  const flat = act('flat12', [1, 32]);
  b.addOperator('RESHAPE', [x, shape], [flat], reshapeOptions({ newShape: [1, 32] }));
  const fc13 = act('fc13', [1, 16]);
  b.addOperator(
    'FULLY_CONNECTED',
    [flat, weights('fc13/weights', [16, 32]), bias('fc13/bias', 16)],
    [fc13],
    fullyConnectedOptions({ activation: 'RELU' }),
  );
  const fc14 = act('fc14', [1, 10]);
  b.addOperator(
    'FULLY_CONNECTED',
    [fc13, weights('fc14/weights', [10, 16]), bias('fc14/bias', 10)],
    [fc14],
    fullyConnectedOptions(),
  );
  const out = b.addTensor({
    name: 'softmax15',
    shape: [1, 10],
    type: 'int8',
    quantization: q8(1 / 256, -128),
  });
  b.addOperator('SOFTMAX', [fc14], [out], softmaxOptions());
  b.setInputs([input]);
  b.setOutputs([out]);
  const model = b.build();
  return analyzeModel(model, writeModel(model), 'cnn16', { engineBytes: 41_000 });
}

export type BoardName = 'qemu-m4' | 'nucleo-l496zg';

const BOARDS: Record<BoardName, BoardFingerprint> = {
  'qemu-m4': {
    boardId: 'qemu-m4',
    kind: 'emulated',
    machine: 'mps2-an386',
    core: 'cortex-m4',
    clockHz: 25_000_000,
    fpu: true,
    dsp: true,
    kernelSet: 'opt',
    firmwareHash: '3f1c9a0e5b7d2468ace013579bdf2468ace013579bdf2468ace013579bdf2468',
    firmwareVersion: '0.1.0',
    compiler: 'arm-none-eabi-gcc 12.2.1',
  },
  'nucleo-l496zg': {
    boardId: 'nucleo-l496zg',
    kind: 'real',
    core: 'cortex-m4',
    clockHz: 80_000_000,
    fpu: true,
    dsp: true,
    kernelSet: 'opt',
    firmwareHash: '9a1c9a0e5b7d2468ace013579bdf2468ace013579bdf2468ace013579bdf2468',
    firmwareVersion: '0.1.0',
    compiler: 'arm-none-eabi-gcc 12.2.1',
  },
};

export interface MeasureOptions {
  board?: BoardName;
  commit?: string;
  /** Kernel path per layer index; default 'opt'. */
  paths?: Record<number, KernelPath>;
  /** Multiplies the ticks of these layer indices (a slower kernel, a noisy run). */
  slowdown?: Record<number, number>;
  /** Real boards: MAD as a fraction of each median; default 0.002. Emulated: always 0. */
  madFraction?: number;
  /** Energy per inference (modelled on emulated boards); default true. */
  energy?: boolean;
  accuracy?: Accuracy;
  /** Added to the engine's flash bytes (e.g. a larger firmware). */
  extraFlash?: number;
}

/**
 * Cost model of the factory: ticks = 300 + MACs x per-MAC cost (CONV_2D 1.2, DEPTHWISE 2.0,
 * FULLY_CONNECTED 1.5, others 0.8; times 2.5 on 'opt-fallback' and 'ref'), times slowdown.
 */
export function measure(model: ModelAnalysis, opts: MeasureOptions = {}): ResultDocument {
  const board = BOARDS[opts.board ?? 'qemu-m4'];
  const emulated = board.kind === 'emulated';
  const madFraction = emulated ? 0 : (opts.madFraction ?? 0.002);
  const perMac: Record<string, number> = {
    CONV_2D: 1.2,
    DEPTHWISE_CONV_2D: 2,
    FULLY_CONNECTED: 1.5,
  };
  const usPerTick = 1e6 / board.clockHz;
  // Emulated meter: 3.3 V x 12 mA; real meter: slightly higher draw.
  const uJPerTick = (emulated ? 0.0396 : 0.045) * usPerTick;
  const stats = (median: number): TickStats => {
    const mad = Math.round(median * madFraction);
    return { median, min: median - 2 * mad, max: median + 3 * mad, mad, n: 5 };
  };
  const layers: LayerResult[] = model.layers.map((l) => {
    const kernelPath = opts.paths?.[l.index] ?? 'opt';
    const slow = kernelPath === 'opt' ? 1 : 2.5;
    const ticks = Math.round(
      (300 + l.macs * (perMac[l.op] ?? 0.8) * slow) * (opts.slowdown?.[l.index] ?? 1),
    );
    const row: LayerResult = {
      index: l.index,
      op: l.op,
      kernelPath,
      ticks: stats(ticks),
      microseconds: { median: ticks * usPerTick, modelled: emulated },
      ticksPerMac: l.macs > 0 ? ticks / l.macs : null,
    };
    if (opts.energy !== false) row.energyUj = { value: ticks * uJPerTick, modelled: emulated };
    return row;
  });
  const total = layers.reduce((a, l) => a + l.ticks.median, 0);
  const totalMad = Math.round(Math.sqrt(layers.reduce((a, l) => a + l.ticks.mad ** 2, 0)));
  const engineBytes = 41_000 + (opts.extraFlash ?? 0);
  const doc: ResultDocument = {
    schemaVersion: 1,
    toolVersion: '0.1.0',
    createdAt: '2026-11-24T05:00:00Z',
    commit: { sha: opts.commit ?? 'a'.repeat(40) },
    model,
    board: { ...board },
    timeUnit: emulated ? 'instructions' : 'cycles',
    layers,
    totals: {
      ticks: {
        median: total,
        min: total - 2 * totalMad,
        max: total + 3 * totalMad,
        mad: totalMad,
        n: 5,
      },
      microseconds: { median: total * usPerTick, modelled: emulated },
    },
    footprint: {
      flashBytes: model.bytes + engineBytes,
      modelBytes: model.bytes,
      engineBytes,
      arenaBytes: model.arena.bytes + 1024,
      ramBytes: model.arena.bytes + 1024 + 6144,
    },
    notes: [],
  };
  if (opts.energy !== false) doc.totals.energyUj = { value: total * uJPerTick, modelled: emulated };
  if (opts.accuracy !== undefined) doc.accuracy = opts.accuracy;
  return doc;
}

export const BASE_SHA = 'b'.repeat(40);
export const HEAD_SHA = 'c'.repeat(40);
