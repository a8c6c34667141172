// A board stand-in for pipeline tests and bench/gate: a BenchFn that analyses the model it
// is sent (the real analysis) and returns a result document whose per-layer ticks follow a
// fixed cost model (ticks = 200 + MACs x per-op cost), so a widened layer costs more on it
// as on a board. Deterministic, no QEMU: the tests exercise the pipeline, not the firmware.
import { analyzeModel } from '../../src/model/analysis.ts';
import { readModel } from '../../src/model/reader.ts';
import type { BenchFn } from '../../src/pipeline/index.ts';
import type {
  BoardFingerprint,
  LayerResult,
  ResultDocument,
  TickStats,
} from '../../src/schema/result-types.ts';
import { validate } from '../../src/schema/validate.ts';

export type BenchRequest = Parameters<BenchFn>[0];

/** Two emulated boards; the label 'emulated' picks the first. */
export const FAKE_BOARDS: Record<string, BoardFingerprint> = {
  'qemu-m4': {
    boardId: 'qemu-m4',
    kind: 'emulated',
    machine: 'mps2-an386',
    core: 'cortex-m4',
    clockHz: 25_000_000,
    fpu: true,
    dsp: true,
    kernelSet: 'opt',
    firmwareHash: '1'.repeat(64),
    firmwareVersion: '0.1.0',
    compiler: 'arm-none-eabi-gcc 12.2.1',
  },
  'qemu-m7': {
    boardId: 'qemu-m7',
    kind: 'emulated',
    machine: 'mps2-an500',
    core: 'cortex-m7',
    clockHz: 25_000_000,
    fpu: true,
    dsp: true,
    kernelSet: 'ref',
    firmwareHash: '2'.repeat(64),
    firmwareVersion: '0.1.0',
    compiler: 'arm-none-eabi-gcc 12.2.1',
  },
};

const LABELS: Record<string, string> = { emulated: 'qemu-m4', 'cortex-m4': 'qemu-m4' };

export interface FakeBenchOptions {
  /** Boards (ids or labels) that throw as a board that does not answer. */
  failing?: string[];
  /** Overrides of a board's fingerprint (e.g. another firmware build). */
  fingerprint?: Partial<BoardFingerprint>;
  /** Accuracy figures to report when a dataset is given. */
  accuracy?: { hostInt8: number; device: number; samples: number };
}

export interface FakeBench {
  bench: BenchFn;
  calls: BenchRequest[];
}

export function fakeBench(opts: FakeBenchOptions = {}): FakeBench {
  const calls: BenchRequest[] = [];
  const bench: BenchFn = async (req, progress) => {
    calls.push(req);
    const id = LABELS[req.board] ?? req.board;
    const fp = FAKE_BOARDS[id];
    if (fp === undefined) throw new Error(`no board matches ${req.board}`);
    if (opts.failing?.includes(req.board) || opts.failing?.includes(id)) {
      throw new Error(`board ${id}: no answer to HELLO within 5000 ms`);
    }
    progress?.(`invoking ${req.modelName} on ${id}`);
    return fakeResult(req, { ...fp, ...opts.fingerprint }, opts);
  };
  return { bench, calls };
}

const PER_MAC: Record<string, number> = {
  CONV_2D: 1.1,
  DEPTHWISE_CONV_2D: 1.9,
  FULLY_CONNECTED: 1.4,
};

export function fakeResult(
  req: BenchRequest,
  board: BoardFingerprint,
  opts: FakeBenchOptions = {},
): ResultDocument {
  const analysis = analyzeModel(readModel(req.model, req.modelName), req.model, req.modelName, {
    engineBytes: 40_000,
  });
  const stats = (median: number): TickStats => ({
    median,
    min: median,
    max: median,
    mad: 0,
    n: req.repeats,
  });
  const usPerTick = 1e6 / board.clockHz;
  const layers: LayerResult[] = analysis.layers.map((l) => {
    const ticks = Math.round(200 + l.macs * (PER_MAC[l.op] ?? 0.7));
    return {
      index: l.index,
      op: l.op,
      kernelPath: board.kernelSet,
      ticks: stats(ticks),
      microseconds: { median: ticks * usPerTick, modelled: true },
      ticksPerMac: l.macs > 0 ? ticks / l.macs : null,
    };
  });
  const total = layers.reduce((a, l) => a + l.ticks.median, 0);
  const doc: ResultDocument = {
    schemaVersion: 1,
    toolVersion: '0.1.0',
    createdAt: new Date().toISOString(),
    commit: req.commit,
    model: analysis,
    board,
    timeUnit: 'instructions',
    layers,
    totals: { ticks: stats(total), microseconds: { median: total * usPerTick, modelled: true } },
    footprint: {
      flashBytes: 40_000 + req.model.length,
      modelBytes: req.model.length,
      engineBytes: 40_000,
      arenaBytes: analysis.arena.bytes,
      ramBytes: analysis.arena.bytes + 4096,
    },
    notes: ['fake board of test/pipeline: ticks from a cost model, not measured'],
  };
  if (req.dataset !== undefined && opts.accuracy !== undefined) {
    doc.accuracy = { task: 'classification', ...opts.accuracy };
  }
  validate('result', doc, `fake result of ${req.modelName}`);
  return doc;
}
