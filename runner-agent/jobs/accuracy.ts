// On-device accuracy against the host TFLite runtime. The device gets each sample's
// input quantized exactly as the host runner quantizes it (round half away from zero,
// as TFLite does), and its raw output 0 is compared with the host's in the output
// tensor's own units, so that agreement is counted in quantization steps.
import type { Dataset } from '../../src/host/dataset/index.ts';
import type { EvalResult } from '../../src/host/evaluate.ts';
import type { Accuracy } from '../../src/schema/result-types.ts';
import type { TensorDesc } from '../boards/board.ts';
import { AgentError } from './errors.ts';

/** The bytes of input tensor `t` for float features `x`. */
export function encodeInput(t: TensorDesc, x: Float32Array): Uint8Array {
  const elements = t.dims.reduce((a, b) => a * b, 1);
  if (x.length !== elements) {
    throw new AgentError(
      'bad-request',
      `dataset sample has ${x.length} values, the device's input [${t.dims.join(',')}] takes ${elements}`,
    );
  }
  if (t.type === 'float32') return new Uint8Array(Float32Array.from(x).buffer);
  if (t.type !== 'int8' && t.type !== 'uint8') {
    throw new AgentError(
      'bad-request',
      `device input of type ${t.type}: only int8, uint8 and float32 are fed`,
    );
  }
  const [lo, hi] = t.type === 'int8' ? [-128, 127] : [0, 255];
  const out = new Uint8Array(elements);
  for (let i = 0; i < elements; i++) {
    const v = x[i] / t.scale;
    const q = (v < 0 ? -Math.round(-v) : Math.round(v)) + t.zeroPoint;
    out[i] = (q < lo ? lo : q > hi ? hi : q) & 0xff;
  }
  return out;
}

/** Raw output values (quantized integers, or floats for a float32 output). */
export function decodeOutput(t: TensorDesc, bytes: Uint8Array): number[] {
  if (t.type === 'int8') return [...new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length)];
  if (t.type === 'uint8') return [...bytes];
  if (t.type === 'float32') {
    const copy = bytes.slice();
    return [...new Float32Array(copy.buffer, 0, copy.length >> 2)];
  }
  throw new AgentError('bad-request', `device output of type ${t.type} cannot be compared`);
}

/** Host float outputs back to the output tensor's units (the runner dequantized them). */
function hostRaw(t: TensorDesc, y: Float32Array): number[] {
  if (t.type === 'float32') return [...y];
  return [...y].map((v) => Math.round(v / t.scale) + t.zeroPoint);
}

function argmax(v: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

export interface DeviceAccuracy {
  accuracy: Accuracy;
  /** One line per sample where host and device differ: both outputs. */
  disagreements: string[];
  devicePredictions: number[];
}

export function compareWithHost(
  dataset: Dataset,
  host: EvalResult,
  output: TensorDesc,
  device: Uint8Array[],
): DeviceAccuracy {
  if (host.task !== 'classification') {
    throw new AgentError(
      'bad-request',
      `${dataset.path}: on-device accuracy is computed for classification datasets; this one is ${host.task}`,
    );
  }
  const n = host.count;
  let correctDevice = 0;
  let correctHost = 0;
  let sameArgmax = 0;
  let maxAbsDiff = 0;
  const disagreements: string[] = [];
  const devicePredictions: number[] = [];
  for (let k = 0; k < n; k++) {
    const d = decodeOutput(output, device[k]);
    const h = hostRaw(output, host.outputs[k]);
    const dArg = argmax(d);
    const hArg = host.predictions[k];
    devicePredictions.push(dArg);
    const label = host.labels[k];
    if (dArg === label) correctDevice++;
    if (hArg === label) correctHost++;
    if (dArg === hArg) sameArgmax++;
    let diff = 0;
    for (let i = 0; i < Math.max(d.length, h.length); i++) {
      diff = Math.max(diff, Math.abs((d[i] ?? 0) - (h[i] ?? 0)));
    }
    maxAbsDiff = Math.max(maxAbsDiff, diff);
    if (diff !== 0 || dArg !== hArg) {
      disagreements.push(
        `sample ${k} (${dataset.source(k)}, label ${label}): host argmax ${hArg} [${h.join(',')}], device argmax ${dArg} [${d.join(',')}]`,
      );
    }
  }
  const pct = (c: number) => (100 * c) / n;
  return {
    accuracy: {
      task: 'classification',
      samples: n,
      hostInt8: pct(correctHost),
      device: pct(correctDevice),
      agreement: { argmax: pct(sameArgmax), maxAbsDiff },
    },
    disagreements,
    devicePredictions,
  };
}
