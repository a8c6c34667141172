// One benchmark job on a started board: upload the model, invoke it with warm-up runs and
// N timed repeats, turn the per-layer ticks into statistics in the document's time unit,
// optionally stream a dataset through the device and compare it with the host TFLite
// runtime, and assemble a result document valid against schemas/result.schema.json.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadDataset } from '../src/host/dataset/index.ts';
import { evaluate } from '../src/host/evaluate.ts';
import { tfliteRunner } from '../src/host/runners.ts';
import { analyzeModel } from '../src/model/analysis.ts';
import { readModel } from '../src/model/reader.ts';
import type { LayerResult, ResultDocument } from '../src/schema/result-types.ts';
import { validate } from '../src/schema/validate.ts';
import type { Board, DeviceFacts, LoadedModel } from './boards/board.ts';
import { compareWithHost, encodeInput } from './jobs/accuracy.ts';
import { AgentError, withTimeout } from './jobs/errors.ts';
import { microseconds, tickScale, tickStats, toUnits } from './jobs/stats.ts';

export interface BenchRequest {
  model: Uint8Array;
  /** Display name of the model (file name). */
  modelName: string;
  /** Timed inferences. */
  repeats: number;
  /** Untimed inferences before them. */
  warmup: number;
  /** dataset.json on the runner: enables on-device accuracy. */
  dataset?: string;
  /** Evaluate only the first `limit` samples. */
  limit?: number;
  commit?: { sha: string; ref?: string };
}

export type BenchProgress =
  | { event: 'uploading'; percent: number }
  | { event: 'invoking'; warmup: number; repeats: number }
  | { event: 'evaluating'; done: number; total: number };

export interface BenchOptions {
  signal?: AbortSignal;
  onProgress?: (p: BenchProgress) => void;
  /** Scales every step's timeout (slow hosts, CI under load). Default 1. */
  timeoutScale?: number;
}

const TOOL_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** Step deadlines. Invoke scales with the work: generous against QEMU's slowest hosts. */
function deadlines(modelBytes: number, macs: number, scale: number) {
  return {
    upload: (10_000 + modelBytes / 2) * scale, // >= 2 kB/s plus set-up
    invoke: (10_000 + macs / 200) * scale, // per inference: 5 ms per million MACs
    sample: (5_000 + macs / 200) * scale,
    small: 5_000 * scale,
  };
}

export async function runBench(
  board: Board,
  facts: DeviceFacts,
  req: BenchRequest,
  opts: BenchOptions = {},
): Promise<ResultDocument> {
  const spec = board.spec;
  const signal = opts.signal;
  const parsed = readModel(req.model, req.modelName);
  const footprint = board.imageFootprint();
  const analysis = analyzeModel(parsed, req.model, req.modelName, {
    engineBytes: footprint?.engineBytes,
  });
  if (req.model.length > facts.modelRamBytes) {
    throw new AgentError(
      'model-rejected',
      `${req.modelName}: ${req.model.length} bytes do not fit board ${spec.id}'s model memory of ${facts.modelRamBytes} bytes`,
    );
  }
  const t = deadlines(req.model.length, analysis.totals.macs, opts.timeoutScale ?? 1);
  const dev = board.device();

  opts.onProgress?.({ event: 'uploading', percent: 0 });
  let lastPct = 0;
  const loaded: LoadedModel = await withTimeout(
    `board ${spec.id}: upload of ${req.modelName}`,
    t.upload,
    (s) =>
      dev.upload(req.model, {
        signal: s,
        macs: analysis.totals.macs,
        onProgress: (f) => {
          const pct = Math.floor(f * 100);
          if (pct >= lastPct + 10 || (pct === 100 && lastPct !== 100)) {
            lastPct = pct;
            opts.onProgress?.({ event: 'uploading', percent: pct });
          }
        },
      }),
    signal,
  );
  if (loaded.layers.length !== analysis.layers.length) {
    throw new AgentError(
      'device-error',
      `board ${spec.id} loaded ${loaded.layers.length} layers of ${req.modelName}, the model has ${analysis.layers.length}`,
      { boardFault: false },
    );
  }
  const input0 = loaded.inputs[0];
  const output0 = loaded.outputs[0];
  if (!input0 || !output0) {
    throw new AgentError(
      'device-error',
      `board ${spec.id}: ${req.modelName} has no input or output`,
    );
  }

  // Timed runs on a fixed input (all zero-point values, i.e. zeros): timing is data-independent
  // except for a few branches, and this keeps runs comparable across commits.
  const dataset = req.dataset ? await loadDataset(req.dataset) : null;
  if (dataset && dataset.manifest.task !== 'classification') {
    throw new AgentError(
      'bad-request',
      `${req.dataset}: on-device accuracy is computed for classification datasets; this one is ${dataset.manifest.task}`,
      { boardFault: false },
    );
  }
  for (let i = 0; i < loaded.inputs.length; i++) {
    const d = loaded.inputs[i];
    const elements = d.dims.reduce((a, b) => a * b, 1);
    const bytes =
      i === 0 && dataset
        ? encodeInput(d, dataset.input(0))
        : encodeInput(d, new Float32Array(elements));
    await withTimeout(
      `board ${spec.id}: input ${i}`,
      t.small,
      (s) => dev.setInput(i, bytes, { signal: s }),
      signal,
    );
  }
  opts.onProgress?.({ event: 'invoking', warmup: req.warmup, repeats: req.repeats });
  const ticks = await withTimeout(
    `board ${spec.id}: invoke ${req.modelName} (${req.warmup} + ${req.repeats} runs)`,
    t.invoke * (req.warmup + req.repeats),
    (s) => dev.invoke(req.warmup, req.repeats, { signal: s }),
    signal,
  );
  if (ticks.repeats.length !== req.repeats) {
    throw new AgentError(
      'device-error',
      `board ${spec.id} returned ${ticks.repeats.length} repeats, asked ${req.repeats}`,
    );
  }

  const scale = tickScale(spec.kind, facts.tickHz, spec.clockHz);
  const layers: LayerResult[] = loaded.layers.map((l, i) => {
    const a = analysis.layers[i];
    if (l.op !== a.op) {
      throw new AgentError(
        'device-error',
        `board ${spec.id}: layer ${i} is ${l.op} on the device, ${a.op} in the model`,
        {
          boardFault: false,
        },
      );
    }
    const stats = tickStats(ticks.repeats.map((r) => toUnits(scale, r.layers[i])));
    return {
      index: i,
      op: l.op,
      kernelPath: l.kernelPath,
      ticks: stats,
      microseconds: microseconds(scale, stats),
      ticksPerMac: a.macs > 0 ? stats.median / a.macs : null,
    };
  });
  const totalStats = tickStats(ticks.repeats.map((r) => toUnits(scale, r.total)));

  const notes: string[] = [];
  if (facts.board === 'host') {
    notes.push(
      `measured on the host virtual board standing in for ${spec.id}: its ticks are the host build's, a test figure, not the board's`,
    );
  } else if (spec.kind === 'emulated') {
    notes.push(
      `emulated on QEMU ${spec.machine} with -icount shift=0: instruction counts (${scale.perTick} per timer tick), not cycles; microseconds modelled at ${spec.clockHz} Hz, one instruction per cycle`,
    );
  }
  let accuracy: ResultDocument['accuracy'];
  if (dataset) {
    const count = Math.min(dataset.count, req.limit ?? dataset.count);
    const runner = await tfliteRunner(req.model);
    let host;
    try {
      host = await evaluate(runner, dataset, { limit: count });
    } finally {
      runner.dispose();
    }
    opts.onProgress?.({ event: 'evaluating', done: 0, total: count });
    const outputs = await withTimeout(
      `board ${spec.id}: evaluation of ${count} samples`,
      t.sample * count,
      (s) =>
        dev.evaluate(count, (k) => encodeInput(input0, dataset.input(k)), {
          signal: s,
          onResult: (k) => opts.onProgress?.({ event: 'evaluating', done: k + 1, total: count }),
        }),
      signal,
    );
    const cmp = compareWithHost(dataset, host, output0, outputs);
    accuracy = cmp.accuracy;
    if (cmp.disagreements.length > 0) {
      notes.push(
        `${cmp.disagreements.length} of ${count} samples differ between host int8 and device:`,
      );
      notes.push(...cmp.disagreements);
    }
  }

  const engineBytes = footprint?.engineBytes ?? 0;
  if (!footprint)
    notes.push('engine size unknown: the firmware image was not available to measure');
  const doc: ResultDocument = {
    schemaVersion: 1,
    toolVersion: TOOL_VERSION,
    createdAt: new Date().toISOString(),
    commit: req.commit ?? defaultCommit(analysis.sha256, notes),
    model: analysis,
    board: {
      boardId: spec.id,
      kind: spec.kind,
      ...(spec.kind === 'emulated' ? { machine: spec.machine } : {}),
      core: spec.core,
      clockHz: spec.clockHz,
      fpu: facts.fpu,
      dsp: facts.dsp,
      kernelSet: facts.kernelSet,
      firmwareHash: facts.buildHash,
      firmwareVersion: facts.firmwareVersion,
      compiler: facts.compiler,
    },
    timeUnit: scale.unit,
    layers,
    totals: { ticks: totalStats, microseconds: microseconds(scale, totalStats) },
    footprint: {
      flashBytes: engineBytes + req.model.length,
      modelBytes: req.model.length,
      engineBytes,
      arenaBytes: loaded.arenaUsed,
      ramBytes: (footprint?.staticRamBytes ?? 0) + loaded.arenaUsed,
    },
    ...(accuracy ? { accuracy } : {}),
    notes,
  };
  validate('result', doc, `result of ${req.modelName} on ${spec.id}`);
  return doc;
}

/** The checkout's HEAD when the agent runs in one; else the model's hash, said so in a note. */
function defaultCommit(modelSha: string, notes: string[]): { sha: string } {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      timeout: 5000,
    }).trim();
    if (/^[0-9a-f]{40}$|^[0-9a-f]{64}$/.test(sha)) return { sha };
  } catch {
    // not in a git checkout
  }
  notes.push("no commit given: commit.sha holds the model file's SHA-256");
  return { sha: modelSha };
}
