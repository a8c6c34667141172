// TensorFlow.js in Node without a network and without tfjs-node: the Layers model format
// (model.json + binary weight shards) read and written through in-memory IOHandlers, so
// nothing depends on tfjs-node's file:// handlers, which only exist when its native
// libtensorflow installed (it downloads at install time and fails offline).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as TfModule from '@tensorflow/tfjs';

export type Tf = typeof TfModule;
type LayersModel = TfModule.LayersModel;

export type TfjsModelErrorCode =
  /** model.json or a weight shard cannot be read. */
  | 'no-such-file'
  /** model.json is not JSON, or not a Layers model (no modelTopology / weightsManifest). */
  | 'bad-model-json'
  /** The shards hold fewer or more bytes than the manifest's weights need. */
  | 'weights-size'
  /** TF.js refused the topology or the weights (unknown layer class, shape mismatch). */
  | 'load-failed'
  /** The model could not be written (no weights, file system error). */
  | 'save-failed';

export class TfjsModelError extends Error {
  readonly code: TfjsModelErrorCode;
  constructor(code: TfjsModelErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TfjsModelError';
    this.code = code;
  }
}

let cached: Promise<Tf> | null = null;

/**
 * tfjs-node when it loads (native kernels, much faster), else @tensorflow/tfjs on its
 * CPU backend. TINYML_GATE_NO_TFJS_NODE=1 forces the latter (reproducible numbers).
 * Cached: every caller shares one TF.js instance, so tensors and models mix freely.
 */
export function loadTf(): Promise<Tf> {
  cached ??= pickTf();
  return cached;
}

async function pickTf(): Promise<Tf> {
  let tf: Tf | null = null;
  if (process.env.TINYML_GATE_NO_TFJS_NODE !== '1') {
    // A variable specifier: the package is optional and absent at type-check time.
    const optional = '@tensorflow/tfjs-node';
    try {
      tf = (await import(optional)) as Tf;
    } catch {
      tf = null;
    }
  }
  if (tf === null) {
    tf = await import('@tensorflow/tfjs');
    // PROD silences the "install tfjs-node" banner, which would land in every CLI output;
    // choosing the backend is this function's job, not the user's.
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
  }
  await tf.ready();
  return tf;
}

interface ManifestGroup {
  paths: string[];
  weights: TfModule.io.WeightsManifestEntry[];
}

/** Loads a TF.js Layers model (model.json + weight shards) from disk. */
export async function loadLayersModel(modelJsonPath: string): Promise<LayersModel> {
  const tf = await loadTf();
  const json = await readOrThrow(modelJsonPath);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(json).toString('utf8'));
  } catch (e) {
    throw new TfjsModelError('bad-model-json', `${modelJsonPath}: not JSON (${describe(e)})`);
  }
  if (!isRecord(doc) || !isRecord(doc.modelTopology)) {
    throw new TfjsModelError(
      'bad-model-json',
      `${modelJsonPath}: no "modelTopology" object: not a TF.js Layers model.json`,
    );
  }
  const groups = manifestGroups(doc.weightsManifest, modelJsonPath);
  const dir = path.dirname(modelJsonPath);
  const specs: TfModule.io.WeightsManifestEntry[] = [];
  const shards: Uint8Array[] = [];
  let total = 0;
  for (const g of groups) {
    specs.push(...g.weights);
    for (const p of g.paths) {
      // model.json may come from a pull request: its shards stay inside its folder.
      const file = path.resolve(dir, p);
      if (path.isAbsolute(p) || path.relative(path.resolve(dir), file).startsWith('..')) {
        throw new TfjsModelError(
          'bad-model-json',
          `${modelJsonPath}: weight shard "${p}" is outside the model's folder`,
        );
      }
      const shard = await readOrThrow(file);
      shards.push(shard);
      total += shard.length;
    }
  }
  const need = specs.reduce((sum, s) => sum + weightBytes(s, modelJsonPath), 0);
  if (need !== total) {
    throw new TfjsModelError(
      'weights-size',
      `${modelJsonPath}: the manifest's ${specs.length} weights need ${need} bytes, the shards hold ${total}`,
    );
  }
  const weightData = new Uint8Array(total);
  let at = 0;
  for (const s of shards) {
    weightData.set(s, at);
    at += s.length;
  }
  const handler = tf.io.fromMemory({
    modelTopology: doc.modelTopology,
    weightSpecs: specs,
    weightData: weightData.buffer,
    format: typeof doc.format === 'string' ? doc.format : undefined,
  });
  try {
    return await tf.loadLayersModel(handler);
  } catch (e) {
    throw new TfjsModelError(
      'load-failed',
      `${modelJsonPath}: TF.js refused the model: ${describe(e)}`,
      {
        cause: e,
      },
    );
  }
}

/** Saves model.json + one weights.bin into dir (created if missing). */
export async function saveLayersModel(model: LayersModel, dir: string): Promise<void> {
  const tf = await loadTf();
  const handler = tf.io.withSaveHandler(async (artifacts) => {
    const data = artifacts.weightData;
    const specs = artifacts.weightSpecs ?? [];
    if (data === undefined && specs.length > 0) {
      throw new TfjsModelError('save-failed', `${dir}: TF.js gave weight specs but no weight data`);
    }
    const bytes =
      data === undefined
        ? new Uint8Array(0)
        : new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
    const doc = {
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    };
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'weights.bin'), bytes);
    await writeFile(path.join(dir, 'model.json'), `${JSON.stringify(doc)}\n`);
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
  try {
    await model.save(handler);
  } catch (e) {
    if (e instanceof TfjsModelError) throw e;
    throw new TfjsModelError('save-failed', `${dir}: saving the model failed: ${describe(e)}`, {
      cause: e,
    });
  }
}

function manifestGroups(value: unknown, file: string): ManifestGroup[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new TfjsModelError('bad-model-json', `${file}: "weightsManifest" is not an array`);
  }
  return value.map((g: unknown, i) => {
    if (!isRecord(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      throw new TfjsModelError(
        'bad-model-json',
        `${file}: weightsManifest[${i}] needs "paths" and "weights" arrays`,
      );
    }
    const paths = g.paths.map((p: unknown, j) => {
      if (typeof p !== 'string') {
        throw new TfjsModelError(
          'bad-model-json',
          `${file}: weightsManifest[${i}].paths[${j}] is not a string`,
        );
      }
      return p;
    });
    return { paths, weights: g.weights as TfModule.io.WeightsManifestEntry[] };
  });
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

function weightBytes(s: TfModule.io.WeightsManifestEntry, file: string): number {
  if (!isRecord(s) || typeof s.name !== 'string' || !Array.isArray(s.shape)) {
    throw new TfjsModelError('bad-model-json', `${file}: a weights entry lacks "name" or "shape"`);
  }
  if (s.quantization !== undefined) {
    // Quantized shards (uint8/uint16/float16 storage) hold fewer bytes per element.
    const q = s.quantization.dtype;
    const per = q === 'uint8' ? 1 : 2;
    return s.shape.reduce((a, b) => a * b, 1) * per;
  }
  const per = DTYPE_BYTES[s.dtype];
  if (per === undefined) {
    throw new TfjsModelError(
      'bad-model-json',
      `${file}: weight "${s.name}" has dtype "${s.dtype}", not float32/int32/bool`,
    );
  }
  return s.shape.reduce((a, b) => a * b, 1) * per;
}

async function readOrThrow(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new TfjsModelError('no-such-file', `${file}: cannot read (${describe(e)})`, { cause: e });
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
