// `tinyml-gate quantize`: a TF.js Layers model + calibration samples -> an int8 .tflite
// (and optionally the float32 .tflite of the same graph), with the sizes and the range
// every activation got, so that a bad calibration set shows before the accuracy does.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError, loadDataset, parseNpy } from '../host/dataset/index.ts';
import { loadLayersModel, loadTf } from '../host/tfjs.ts';
import {
  exportFloatTflite,
  quantizeLayersModelDetailed,
  type QuantizeResult,
} from '../quantize/index.ts';
import { UsageError, parseArgs } from './args.ts';
import type { CliIo } from './main.ts';

export const QUANTIZE_USAGE = [
  'usage: tinyml-gate quantize --model model.json --calibration D --out m.tflite',
  '                            [--float-out f.tflite] [--io int8|float32] [--samples N]',
  '                            [--dense-weights per-tensor|per-channel]',
  '',
  'Post-training full-integer quantization of a TF.js Layers model, as the TFLite',
  'converter does it (docs/quantization.md): per-channel int8 conv weights, per-tensor',
  'int8 dense weights, int32 biases, asymmetric int8 activations from calibration.',
  '',
  'options:',
  '  --model FILE        TF.js Layers model.json (weight shards beside it)',
  '  --calibration D     dataset.json (its inputs, after preprocessing) or a .npy of',
  '                      float samples shaped [N, ...model input without batch]',
  '  --out FILE          the int8 .tflite to write',
  '  --float-out FILE    also write the float32 .tflite of the same graph',
  '  --io TYPE           model input/output type: int8 (default) or float32',
  '                      (float32 adds QUANTIZE/DEQUANTIZE, as the converter does)',
  '  --samples N         calibration samples, spread evenly over D (default 200)',
  '  --dense-weights S   FULLY_CONNECTED weight scales: per-tensor (default; every',
  '                      runtime supports it) or per-channel (converters since 2024)',
  '  -h, --help          show this help',
  '',
].join('\n');

const DEFAULT_SAMPLES = 200;

export async function runQuantize(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, flags } = parseArgs(argv, {
    help: 'boolean',
    model: 'string',
    calibration: 'string',
    out: 'string',
    'float-out': 'string',
    io: 'string',
    samples: 'string',
    'dense-weights': 'string',
  });
  if (flags.has('help')) {
    io.stdout.write(QUANTIZE_USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const need = (name: string): string => {
    const v = flags.get(name);
    if (typeof v !== 'string') throw new UsageError(`--${name} is required`);
    return v;
  };
  const modelPath = need('model');
  const calibrationPath = need('calibration');
  const out = need('out');
  const floatOut = flags.get('float-out');
  const ioFlag = flags.get('io') ?? 'int8';
  if (ioFlag !== 'int8' && ioFlag !== 'float32') {
    throw new UsageError(`--io must be int8 or float32, not "${String(ioFlag)}"`);
  }
  const dense = flags.get('dense-weights') ?? 'per-tensor';
  if (dense !== 'per-tensor' && dense !== 'per-channel') {
    throw new UsageError(
      `--dense-weights must be per-tensor or per-channel, not "${String(dense)}"`,
    );
  }
  const samplesFlag = flags.get('samples');
  let count = DEFAULT_SAMPLES;
  if (typeof samplesFlag === 'string') {
    count = Number(samplesFlag);
    if (!/^\d+$/.test(samplesFlag) || count < 1 || !Number.isSafeInteger(count)) {
      throw new UsageError(`--samples must be a whole number of at least 1, not "${samplesFlag}"`);
    }
  }

  const tf = await loadTf();
  const model = await loadLayersModel(modelPath);
  const { samples, total } = await loadCalibration(calibrationPath, count);
  const name = path.basename(path.dirname(path.resolve(modelPath)));
  const result = quantizeLayersModelDetailed(tf, model, samples, {
    io: ioFlag,
    name,
    denseWeights: dense,
  });
  const floatBytes = exportFloatTflite(tf, model);
  await writeFile(out, result.tflite);
  if (typeof floatOut === 'string') await writeFile(floatOut, floatBytes);
  io.stdout.write(
    renderQuantize(result, {
      model: modelPath,
      layers: model.layers.length,
      calibration: calibrationPath,
      used: samples.length,
      total,
      out,
      floatOut: typeof floatOut === 'string' ? floatOut : null,
      floatBytes: floatBytes.length,
      io: ioFlag,
      dense,
    }),
  );
  return 0;
}

/** A bare .npy that cannot serve as calibration samples. */
export class CalibrationFileError extends Error {
  readonly code: 'not-float' | 'bad-shape';
  constructor(code: CalibrationFileError['code'], message: string) {
    super(message);
    this.name = 'CalibrationFileError';
    this.code = code;
  }
}

/**
 * `count` samples spread evenly over a dataset.json (its inputs after preprocessing) or a
 * bare .npy of float samples (datasets are often sorted by class: the first N would miss
 * some). Anything but .npy is read as a dataset manifest.
 */
async function loadCalibration(
  file: string,
  count: number,
): Promise<{ samples: Float32Array[]; total: number }> {
  if (!file.endsWith('.npy')) {
    const ds = await loadDataset(file);
    return { samples: spread(ds.count, count).map((i) => ds.input(i)), total: ds.count };
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new DatasetError(
      'missing-file',
      file,
      `cannot read (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const a = parseNpy(bytes, file);
  if (a.dtype !== 'float32' && a.dtype !== 'float64') {
    throw new CalibrationFileError(
      'not-float',
      `${file}: holds ${a.dtype}; a bare .npy must hold float samples (a dataset.json states the preprocessing of integer data)`,
    );
  }
  if (a.shape.length < 2) {
    throw new CalibrationFileError(
      'bad-shape',
      `${file}: shape (${a.shape.join(', ')}) is not [N, ...sample shape]`,
    );
  }
  const per = a.shape.slice(1).reduce((x, y) => x * y, 1);
  const data = a.data as Float32Array | Float64Array;
  const pick = spread(a.shape[0], count);
  return {
    samples: pick.map((i) => Float32Array.from(data.subarray(i * per, (i + 1) * per))),
    total: a.shape[0],
  };
}

function spread(total: number, count: number): number[] {
  const n = Math.min(total, count);
  return Array.from({ length: n }, (_, i) => Math.floor((i * total) / n));
}

interface RenderFacts {
  model: string;
  layers: number;
  calibration: string;
  used: number;
  total: number;
  out: string;
  floatOut: string | null;
  floatBytes: number;
  io: 'int8' | 'float32';
  dense: 'per-tensor' | 'per-channel';
}

const n = (v: number): string => v.toLocaleString('en-US');
const g = (v: number): string => Number(v.toPrecision(4)).toString();

export function renderQuantize(r: QuantizeResult, f: RenderFacts): string {
  const lines: string[] = [];
  lines.push(
    `model        ${f.model}: ${f.layers} layers -> ${r.operators.length} TFLite operators`,
  );
  lines.push(`calibration  ${f.used} of ${n(f.total)} samples from ${f.calibration}`);
  const pct = ((100 * r.tflite.length) / f.floatBytes).toFixed(1);
  lines.push(
    `int8         ${f.out}  ${n(r.tflite.length)} bytes (${pct}% of float32), ${f.io} I/O, ${f.dense} dense weights`,
  );
  lines.push(
    `float32      ${f.floatOut ?? '(not written: --float-out)'}  ${n(f.floatBytes)} bytes`,
  );
  lines.push('');
  const byName = new Map(r.values.map((v) => [v.name, v]));
  const rows = r.operators.map((o) => {
    const v = byName.get(o.output);
    const range = v?.range ? `[${g(v.range.min)}, ${g(v.range.max)}]` : '';
    const params = v ? `${g(v.params.scale)} / ${v.params.zeroPoint}` : '';
    const note = v?.source === 'input' ? 'from input' : v?.source === 'fixed' ? 'fixed' : '';
    return [o.op, o.layers.join(' + '), range, params, note];
  });
  const input = r.values[0];
  rows.unshift([
    'input',
    input.name,
    input.range ? `[${g(input.range.min)}, ${g(input.range.max)}]` : '',
    `${g(input.params.scale)} / ${input.params.zeroPoint}`,
    '',
  ]);
  const header = ['operator', 'layers', 'calibrated range', 'scale / zero point', 'note'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const fmt = (row: string[]): string =>
    row
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  lines.push(fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt), '');
  return lines.join('\n');
}
