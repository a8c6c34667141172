// NumPy .npy files (format 1.0, 2.0, 3.0), read without numpy: the magic, a version, a
// little-endian header length, a Python dict literal header, then the raw array in C order.
// Only the plain numeric dtypes datasets use are accepted; anything else is refused by name.
import { DatasetError } from './errors.ts';

export type NpyDtype = 'float32' | 'float64' | 'int8' | 'uint8' | 'int32' | 'int64';

export type NpyData =
  Float32Array | Float64Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

// descr -> dtype. '|' marks byte-sized types (no byte order); numpy writes '|i1', '|u1',
// '<f4' etc. on little-endian machines. '>' (big-endian) is refused.
const DESCRS: Record<string, NpyDtype> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '|i1': 'int8',
  '|u1': 'uint8',
  '<i4': 'int32',
  '<i8': 'int64',
};

const BYTES: Record<NpyDtype, number> = {
  float32: 4,
  float64: 8,
  int8: 1,
  uint8: 1,
  int32: 4,
  int64: 8,
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parses a whole .npy file; `file` names it in errors. The data is a copy (aligned). */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DatasetError('bad-npy-header', file, 'not a .npy file (no \\x93NUMPY magic)');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) {
      throw new DatasetError('truncated', file, 'the file ends inside the header length');
    }
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw new DatasetError(
      'bad-npy-header',
      file,
      `format version ${major}.${bytes[7]} (this reader knows 1.0, 2.0 and 3.0)`,
    );
  }
  if (start + headerLen > bytes.length) {
    throw new DatasetError(
      'truncated',
      file,
      `the header claims ${headerLen} bytes but the file ends after ${bytes.length - start}`,
    );
  }
  // Versions 1 and 2 store latin-1, version 3 UTF-8; the fields we read are ASCII either way.
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + headerLen),
  );
  const { descr, fortran, shape } = parseHeader(header, file);
  const dtype = DESCRS[descr];
  if (dtype === undefined) {
    throw new DatasetError(
      'unsupported-dtype',
      file,
      `dtype '${descr}' is not supported (use one of ${Object.keys(DESCRS).join(' ')})`,
    );
  }
  if (fortran) {
    throw new DatasetError(
      'fortran-order',
      file,
      'the array is in Fortran order; save it in C order (np.ascontiguousarray)',
    );
  }
  const elements = shape.reduce((a, b) => a * b, 1);
  const need = elements * BYTES[dtype];
  const dataStart = start + headerLen;
  const have = bytes.length - dataStart;
  if (have < need) {
    throw new DatasetError(
      'truncated',
      file,
      `shape (${shape.join(', ')}) of ${dtype} needs ${need} data bytes, the file holds ${have}`,
    );
  }
  if (have > need) {
    throw new DatasetError(
      'trailing-bytes',
      file,
      `shape (${shape.join(', ')}) of ${dtype} needs ${need} data bytes, the file holds ${have}`,
    );
  }
  // slice() copies into a fresh, aligned buffer (the data offset need not be a multiple of 8).
  const raw = bytes.slice(dataStart, dataStart + need).buffer;
  return { dtype, shape, data: typed(dtype, raw, elements) };
}

function typed(dtype: NpyDtype, buf: ArrayBuffer, n: number): NpyData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf, 0, n);
    case 'float64':
      return new Float64Array(buf, 0, n);
    case 'int8':
      return new Int8Array(buf, 0, n);
    case 'uint8':
      return new Uint8Array(buf, 0, n);
    case 'int32':
      return new Int32Array(buf, 0, n);
    case 'int64':
      return new BigInt64Array(buf, 0, n);
  }
}

/** The three keys of the header dict; numpy always writes exactly these. */
function parseHeader(
  header: string,
  file: string,
): { descr: string; fortran: boolean; shape: number[] } {
  const bad = (what: string): DatasetError =>
    new DatasetError('bad-npy-header', file, `${what} in header ${JSON.stringify(header.trim())}`);
  const text = header.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) throw bad('not a dict literal');
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  if (descr === null) throw bad("no 'descr' string (structured dtypes are not supported)");
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (fortran === null) throw bad("no 'fortran_order' True/False");
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (shape === null) throw bad("no 'shape' tuple");
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (/^\d+L?$/.test(s) ? Number.parseInt(s, 10) : Number.NaN));
  if (dims.some((d) => !Number.isSafeInteger(d))) throw bad(`shape (${shape[1]}) is not integers`);
  return { descr: descr[1], fortran: fortran[1] === 'True', shape: dims };
}

/** Element i as a JS number (int64 through BigInt; exact up to 2^53). */
export function elementAt(data: NpyData, i: number): number {
  const v = data[i];
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Writes a .npy (format 1.0) of the given dtype: for tests, tools and examples. */
export function encodeNpy(
  dtype: NpyDtype,
  shape: readonly number[],
  data: ArrayLike<number>,
): Uint8Array {
  const descr = Object.entries(DESCRS).find(([, d]) => d === dtype)?.[0] ?? '<f4';
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  // The data starts at a multiple of 64 bytes (numpy pads with spaces, ends with \n).
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) {
    throw new RangeError(
      `encodeNpy: shape (${shape.join(', ')}) needs ${n} values, given ${data.length}`,
    );
  }
  const out = new Uint8Array(total + n * BYTES[dtype]);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const body = out.buffer.slice(total);
  const arr = typed(dtype, body, n);
  for (let i = 0; i < n; i++) {
    if (arr instanceof BigInt64Array) arr[i] = BigInt(Math.trunc(data[i]));
    else arr[i] = data[i];
  }
  out.set(new Uint8Array(body), total);
  return out;
}
