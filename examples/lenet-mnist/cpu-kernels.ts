// Faster gradients for the pure-JS CPU backend of TF.js, so that LeNet-5 trains in minutes
// rather than an hour. The stock Conv2DBackpropFilter and MaxPoolGrad of
// @tensorflow/tfjs-backend-cpu 4.22 read every element through TensorBuffer.get(b, r, c, d)
// (an index computation and a bounds check per read): measured on a batch of 64 LeNet
// inputs, Conv2DBackpropFilter took 4.7 s of a 5.2 s training step. These replacements
// compute the same sums with flat indices; Sum gets a path for bias gradients that skips
// a transpose. They serve the channels-last case LeNet uses and hand every other case to
// the stock kernel; forward kernels (Conv2D, MaxPool, MatMul) are left alone. tfjs-node has its own
// kernels ('tensorflow' backend), so nothing is replaced there.
import type { TensorInfo } from '@tensorflow/tfjs';

// The same type src/host/tfjs.ts exports; spelled out so this file needs only tfjs itself.
type Tf = typeof import('@tensorflow/tfjs');
type ConvArgs = Parameters<Tf['backend_util']['computeConv2DInfo']>;
type PoolArgs = Parameters<Tf['backend_util']['computePool2DInfo']>;

type KernelFunc = ReturnType<Tf['getKernel']>['kernelFunc'];
type KernelArgs = Parameters<KernelFunc>[0];

/** What these kernels need of the CPU backend object (MathBackendCPU). */
interface CpuBackend {
  data: { get(id: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

export class KernelError extends Error {
  readonly code: 'not-cpu-backend' | 'bad-input';
  constructor(code: KernelError['code'], message: string) {
    super(message);
    this.name = 'KernelError';
    this.code = code;
  }
}

function cpu(backend: object, kernel: string): CpuBackend {
  const b = backend as Partial<CpuBackend>;
  if (typeof b.makeTensorInfo !== 'function' || typeof b.data?.get !== 'function') {
    throw new KernelError('not-cpu-backend', `${kernel}: the backend is not TF.js's CPU backend`);
  }
  return b as CpuBackend;
}

function need(t: TensorInfo | undefined, kernel: string, name: string): TensorInfo {
  if (t === undefined) throw new KernelError('bad-input', `${kernel}: input "${name}" is missing`);
  return t;
}

function floats(backend: CpuBackend, t: TensorInfo, kernel: string, name: string): Float32Array {
  const values = backend.data.get(t.dataId).values;
  if (!(values instanceof Float32Array)) {
    throw new KernelError('bad-input', `${kernel}: input "${name}" is not float32`);
  }
  return values;
}

const channelsLast = (format: unknown): boolean => format === undefined || format === 'NHWC';

/**
 * dW[r][c][i][o] = sum over b, y, x of input[b][y*sh + r - top][x*sw + c - left][i] * dy[b][y][x][o].
 * Accumulated in float64 and rounded once, as the stock kernel does.
 */
function conv2DBackpropFilter(tf: Tf, stock: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, attrs } = args;
    const a = attrs ?? {};
    if (!channelsLast(a.dataFormat)) return stock(args);
    const kernel = 'Conv2DBackpropFilter';
    const backend = cpu(args.backend, kernel);
    const x = need(inputs.x, kernel, 'x');
    const xv = floats(backend, x, kernel, 'x');
    const dyv = floats(backend, need(inputs.dy, kernel, 'dy'), kernel, 'dy');
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as ConvArgs[0],
      a.filterShape as ConvArgs[1],
      a.strides as ConvArgs[2],
      1,
      a.pad as ConvArgs[4],
      a.dimRoundingMode as ConvArgs[5],
    );
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
    const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const acc = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
    for (let b = 0; b < batchSize; b++) {
      for (let yr = 0; yr < outHeight; yr++) {
        for (let yc = 0; yc < outWidth; yc++) {
          const dyOff = ((b * outHeight + yr) * outWidth + yc) * outChannels;
          for (let wr = 0; wr < filterHeight; wr++) {
            const xr = yr * strideHeight + wr - top;
            if (xr < 0 || xr >= inHeight) continue;
            for (let wc = 0; wc < filterWidth; wc++) {
              const xc = yc * strideWidth + wc - left;
              if (xc < 0 || xc >= inWidth) continue;
              const xOff = ((b * inHeight + xr) * inWidth + xc) * inChannels;
              let wOff = (wr * filterWidth + wc) * inChannels * outChannels;
              for (let i = 0; i < inChannels; i++) {
                const xi = xv[xOff + i];
                if (xi !== 0) {
                  for (let o = 0; o < outChannels; o++) acc[wOff + o] += xi * dyv[dyOff + o];
                }
                wOff += outChannels;
              }
            }
          }
        }
      }
    }
    return backend.makeTensorInfo(info.filterShape, 'float32', Float32Array.from(acc));
  };
}

/**
 * Routes each output gradient to the first largest input of its window (the stock
 * kernel's tie rule: a later equal value does not replace the first). MaxPoolGrad has
 * no dilation or data format attribute, so every case is served here.
 */
function maxPoolGrad(tf: Tf, _stock: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, attrs } = args;
    const a = attrs ?? {};
    const kernel = 'MaxPoolGrad';
    const backend = cpu(args.backend, kernel);
    const x = need(inputs.input, kernel, 'input');
    const xv = floats(backend, x, kernel, 'input');
    const dyv = floats(backend, need(inputs.dy, kernel, 'dy'), kernel, 'dy');
    const info = tf.backend_util.computePool2DInfo(
      x.shape as PoolArgs[0],
      a.filterSize as PoolArgs[1],
      a.strides as PoolArgs[2],
      1,
      a.pad as PoolArgs[4],
      a.dimRoundingMode as PoolArgs[5],
    );
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
    const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const dx = new Float64Array(xv.length);
    for (let b = 0; b < batchSize; b++) {
      for (let yr = 0; yr < outHeight; yr++) {
        const r0 = Math.max(0, yr * strideHeight - top);
        const r1 = Math.min(inHeight, yr * strideHeight - top + filterHeight);
        for (let yc = 0; yc < outWidth; yc++) {
          const c0 = Math.max(0, yc * strideWidth - left);
          const c1 = Math.min(inWidth, yc * strideWidth - left + filterWidth);
          const dyOff = ((b * outHeight + yr) * outWidth + yc) * inChannels;
          for (let d = 0; d < inChannels; d++) {
            let best = Number.NEGATIVE_INFINITY;
            let at = -1;
            for (let r = r0; r < r1; r++) {
              for (let c = c0; c < c1; c++) {
                const k = ((b * inHeight + r) * inWidth + c) * inChannels + d;
                if (xv[k] > best) {
                  best = xv[k];
                  at = k;
                }
              }
            }
            if (at >= 0) dx[at] += dyv[dyOff + d];
          }
        }
      }
    }
    return backend.makeTensorInfo(x.shape, 'float32', Float32Array.from(dx));
  };
}

/**
 * Sum over every axis but the last (a bias gradient: dy summed over batch, rows, columns).
 * The stock kernel first transposes the whole tensor so the summed axes come last; this
 * sums in place, in the same order (row-major over the summed axes, float64), so the
 * result is bit for bit the stock one. Every other reduction goes to the stock kernel.
 */
function sumLeading(tf: Tf, stock: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const a = args.attrs ?? {};
    const x = args.inputs.x;
    if (x === undefined || x.dtype !== 'float32' || x.shape.length < 2 || a.keepDims === true) {
      return stock(args);
    }
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(a.axis as number | number[], x.shape);
    const leading =
      axes.length === rank - 1 && [...axes].sort((p, q) => p - q).every((v, i) => v === i);
    if (!leading) return stock(args);
    const backend = cpu(args.backend, 'Sum');
    const xv = floats(backend, x, 'Sum', 'x');
    const width = x.shape[rank - 1];
    const acc = new Float64Array(width);
    for (let off = 0; off < xv.length; off += width) {
      for (let c = 0; c < width; c++) acc[c] += xv[off + c];
    }
    return backend.makeTensorInfo([width], 'float32', Float32Array.from(acc));
  };
}

const REPLACEMENTS: Record<string, (tf: Tf, stock: KernelFunc) => KernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  MaxPoolGrad: maxPoolGrad,
  Sum: sumLeading,
};

/**
 * Replaces the slow CPU kernels when the active backend is 'cpu'; returns the names
 * replaced (empty on any other backend). Idempotent.
 */
export function useFastCpuGradients(tf: Tf): string[] {
  if (tf.getBackend() !== 'cpu') return [];
  const replaced: string[] = [];
  for (const [name, make] of Object.entries(REPLACEMENTS)) {
    const current = tf.getKernel(name, 'cpu');
    if (current === undefined) continue;
    if (FAST.has(current.kernelFunc)) {
      replaced.push(name);
      continue;
    }
    const fast = make(tf, current.kernelFunc);
    FAST.add(fast);
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({ ...current, kernelFunc: fast });
    replaced.push(name);
  }
  return replaced;
}

const FAST = new WeakSet<KernelFunc>();
