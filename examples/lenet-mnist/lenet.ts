// LeNet-5 for 28x28 MNIST and its training loop. The loop is written out (trainOnBatch)
// rather than model.fit so that the batch order comes from a seeded generator and the
// progress line can carry an estimate of the time left.
import type { LayersModel, Tensor, Tensor4D } from '@tensorflow/tfjs';
import type { Tf } from '../../src/host/tfjs.ts';
import { PIXEL_SCALE, PIXELS, SIDE, seededRandom, shuffledIndices, type Digits } from './data.ts';

/**
 * conv 5x5x6 -> max pool 2 -> conv 5x5x16 -> max pool 2 -> dense 120 -> dense 84 ->
 * dense 10 softmax, ReLU after every hidden layer, 'valid' padding everywhere: 28x28x1
 * -> 24x24x6 -> 12x12x6 -> 8x8x16 -> 4x4x16 = 256 features. The original LeNet-5 pads
 * MNIST to 32x32 (400 features); on 28x28 that would be 'same' on the first convolution,
 * which costs about 45% more to train, and the 3-minute budget on two shared cores of
 * pure-JS kernels is what decides here. conv2Filters widens the second convolution (the
 * "wide" variant of the example).
 */
export function buildLenet(tf: Tf, seed: number, conv2Filters = 16): LayersModel {
  // One seed per layer: same seed everywhere would give layers of the same shape the same start.
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k });
  const model = tf.sequential({
    name: conv2Filters === 16 ? 'lenet5' : `lenet5-conv2x${conv2Filters}`,
  });
  model.add(
    tf.layers.conv2d({
      inputShape: [SIDE, SIDE, 1],
      filters: 6,
      kernelSize: 5,
      padding: 'valid',
      activation: 'relu',
      kernelInitializer: init(1),
      name: 'conv1',
    }),
  );
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool1' }));
  model.add(
    tf.layers.conv2d({
      filters: conv2Filters,
      kernelSize: 5,
      padding: 'valid',
      activation: 'relu',
      kernelInitializer: init(2),
      name: 'conv2',
    }),
  );
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool2' }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(
    tf.layers.dense({ units: 120, activation: 'relu', kernelInitializer: init(3), name: 'fc1' }),
  );
  model.add(
    tf.layers.dense({ units: 84, activation: 'relu', kernelInitializer: init(4), name: 'fc2' }),
  );
  model.add(
    tf.layers.dense({
      units: 10,
      activation: 'softmax',
      kernelInitializer: init(5),
      name: 'fc3',
    }),
  );
  return model;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Seeds the batch order (the weights are seeded by buildLenet). */
  seed: number;
  /** Receives one progress line at a time. */
  log: (line: string) => void;
  /** Print a progress line every this many batches. Default 25. */
  every?: number;
}

export interface EpochReport {
  epoch: number;
  loss: number;
  accuracy: number;
  testAccuracy: number;
  seconds: number;
}

export interface TrainReport {
  epochs: EpochReport[];
  seconds: number;
}

/** All images of d as one [n, 28, 28, 1] float tensor in [0, 1]. */
export function imagesTensor(tf: Tf, d: Digits): Tensor4D {
  const x = new Float32Array(d.count * PIXELS);
  for (let i = 0; i < x.length; i++) x[i] = d.images[i] * PIXEL_SCALE;
  return tf.tensor4d(x, [d.count, SIDE, SIDE, 1]);
}

/** Fraction of d that model (TF.js, float) classifies right, in batches. */
export function tfjsAccuracy(tf: Tf, model: LayersModel, x: Tensor4D, d: Digits): number {
  let right = 0;
  for (let start = 0; start < d.count; start += 500) {
    const n = Math.min(500, d.count - start);
    const pred = tf.tidy(() => {
      const out = model.predict(x.slice([start, 0, 0, 0], [n, SIDE, SIDE, 1])) as Tensor;
      return out.argMax(-1).dataSync();
    });
    for (let i = 0; i < n; i++) if (pred[i] === d.labels[start + i]) right++;
  }
  return right / d.count;
}

const fmt = (s: number): string =>
  s >= 60
    ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
    : `${s.toFixed(1)}s`;

/** Adam on categorical cross-entropy; the test split is scored after every epoch. */
export async function trainLenet(
  tf: Tf,
  model: LayersModel,
  train: Digits,
  test: Digits,
  opts: TrainOptions,
): Promise<TrainReport> {
  model.compile({
    optimizer: tf.train.adam(opts.learningRate),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const xTrain = imagesTensor(tf, train);
  const yTrain = tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10);
  const xTest = imagesTensor(tf, test);
  const rand = seededRandom(opts.seed);
  const batches = Math.ceil(train.count / opts.batchSize);
  const total = batches * opts.epochs;
  const every = opts.every ?? 25;
  const started = performance.now();
  const epochs: EpochReport[] = [];
  let done = 0;
  try {
    for (let e = 1; e <= opts.epochs; e++) {
      const epochStart = performance.now();
      const order = shuffledIndices(train.count, rand);
      let lossSum = 0;
      let accSum = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        const idx = order.subarray(
          b * opts.batchSize,
          Math.min(train.count, (b + 1) * opts.batchSize),
        );
        const ids = tf.tensor1d(Int32Array.from(idx), 'int32');
        const xb = tf.gather(xTrain, ids);
        const yb = tf.gather(yTrain, ids);
        const out = await model.trainOnBatch(xb, yb);
        tf.dispose([ids, xb, yb]);
        const [loss, acc] = Array.isArray(out) ? out : [out, Number.NaN];
        lossSum += loss * idx.length;
        accSum += acc * idx.length;
        seen += idx.length;
        done++;
        if (done % every === 0 || b === batches - 1) {
          const elapsed = (performance.now() - started) / 1000;
          const left = (elapsed / done) * (total - done);
          opts.log(
            `epoch ${e}/${opts.epochs}  batch ${b + 1}/${batches}  loss ${(lossSum / seen).toFixed(4)}  ` +
              `acc ${((accSum / seen) * 100).toFixed(2)}%  elapsed ${fmt(elapsed)}  left ~${fmt(left)}`,
          );
        }
      }
      const testAccuracy = tfjsAccuracy(tf, model, xTest, test);
      const seconds = (performance.now() - epochStart) / 1000;
      epochs.push({
        epoch: e,
        loss: lossSum / seen,
        accuracy: accSum / seen,
        testAccuracy,
        seconds,
      });
      opts.log(
        `epoch ${e}/${opts.epochs} done in ${fmt(seconds)}: train loss ${(lossSum / seen).toFixed(4)}, ` +
          `train acc ${((accSum / seen) * 100).toFixed(2)}%, test acc ${(testAccuracy * 100).toFixed(2)}% (TF.js float)`,
      );
    }
  } finally {
    tf.dispose([xTrain, yTrain, xTest]);
  }
  return { epochs, seconds: (performance.now() - started) / 1000 };
}
