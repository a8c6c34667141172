// Metrics against hand-computed tables, and the progress reporter with a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anomaly, argmax, classification, drift, regression } from '../../src/host/metrics.ts';
import { Progress } from '../../src/host/progress.ts';

test('argmax takes the first of equal maxima and refuses an empty output', () => {
  assert.equal(argmax([0.1, 0.7, 0.2]), 1);
  assert.equal(argmax([3, 5, 5, 1]), 1);
  assert.equal(argmax(new Float32Array([-2, -1, -3])), 1);
  assert.throws(() => argmax([]), RangeError);
});

test('classification: top-1, per-class accuracy and the confusion matrix', () => {
  const labels = [0, 0, 0, 1, 1, 2, 2, 2];
  const predicted = [0, 1, 0, 1, 1, 2, 0, 0];
  const m = classification(labels, predicted, 4);
  assert.equal(m.count, 8);
  assert.equal(m.correct, 5);
  assert.equal(m.top1, 5 / 8);
  assert.deepEqual(
    m.perClass.map((c) => [c.class, c.count, c.correct, c.accuracy]),
    [
      [0, 3, 2, 2 / 3],
      [1, 2, 2, 1],
      [2, 3, 1, 1 / 3],
      [3, 0, 0, null],
    ],
  );
  assert.deepEqual(m.confusion, [
    [2, 1, 0, 0],
    [0, 2, 0, 0],
    [2, 0, 1, 0],
    [0, 0, 0, 0],
  ]);
  assert.throws(() => classification([0, 4], [0, 0], 4), /label 4 of sample 1/);
  assert.throws(() => classification([0], [0, 1], 2), RangeError);
});

test('regression: MAE and RMSE', () => {
  const m = regression([1, 2, 3, 4], [1.5, 2, 1, 4]);
  assert.equal(m.mae, (0.5 + 0 + 2 + 0) / 4);
  assert.equal(m.rmse, Math.sqrt((0.25 + 4) / 4));
});

test('anomaly AUC: exact, with ties counting one half', () => {
  // Perfect separation and its reverse.
  assert.equal(anomaly([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]).auc, 1);
  assert.equal(anomaly([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]).auc, 0);
  // Every score equal: no information, 0.5.
  assert.equal(anomaly([0, 1, 0, 1], [3, 3, 3, 3]).auc, 0.5);
  // Pairs (pos, neg): pos 0.8 beats negs 0.1, 0.4 and ties 0.8 -> 2.5; pos 0.4 beats 0.1,
  // ties 0.4, loses to 0.8 -> 1.5; total 4 of 6 pairs.
  const m = anomaly([0, 0, 0, 1, 1], [0.1, 0.4, 0.8, 0.8, 0.4]);
  assert.equal(m.auc, 4 / 6);
  assert.equal(m.normal, 3);
  assert.equal(m.anomalous, 2);
  // Brute force over pairs on a larger table with many ties.
  const labels = [1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 1];
  const scores = [3, 1, 2, 2, 2, 0, 3, 1, 3, 0, 2, 1];
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let j = 0; j < labels.length; j++) {
      if (labels[i] !== 1 || labels[j] !== 0) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  assert.equal(anomaly(labels, scores).auc, wins / pairs);
  assert.equal(anomaly([0, 0], [1, 2]).auc, null);
  assert.throws(() => anomaly([0, 2], [1, 2]), /not 0 or 1/);
});

test('drift: max and mean absolute difference, argmax agreement, disagreeing samples', () => {
  const a = [
    [0.1, 0.9],
    [0.6, 0.4],
    [0.5, 0.5],
  ];
  const b = [
    [0.2, 0.8],
    [0.3, 0.7],
    [0.5, 0.5],
  ];
  const d = drift(a, b);
  assert.equal(d.count, 3);
  assert.ok(Math.abs(d.maxAbsDiff - 0.3) < 1e-12);
  assert.ok(Math.abs(d.meanAbsDiff - (0.1 + 0.1 + 0.3 + 0.3) / 6) < 1e-12);
  assert.equal(d.agree, 2);
  assert.equal(d.agreement, 2 / 3);
  assert.deepEqual(d.disagreeing, [1]);
  assert.throws(() => drift([[1, 2]], [[1, 2, 3]]), /sample 0/);
});

function fakeStream(isTTY: boolean): { chunks: string[]; write(s: string): void; isTTY: boolean } {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (s: string) => chunks.push(s) };
}

test('progress: silent for short runs, plain lines off a terminal, a bar on one', () => {
  let now = 0;
  const clock = (): number => now;

  const quiet = fakeStream(false);
  const p0 = new Progress(100, { stream: quiet, now: clock });
  for (let i = 1; i <= 100; i++) {
    now += 10; // 1 s in all: under the 1.5 s delay
    p0.update(i);
  }
  p0.finish(100);
  assert.deepEqual(quiet.chunks, []);

  now = 0;
  const log = fakeStream(false);
  const p1 = new Progress(1000, { stream: log, now: clock, label: 'm.tflite' });
  for (let i = 1; i <= 1000; i++) {
    now += 20; // 20 s in all
    p1.update(i);
  }
  p1.finish(1000);
  // Lines from 1.5 s on, one per 5 s at most, then the final one; no carriage returns.
  assert.ok(log.chunks.length >= 4 && log.chunks.length <= 6, String(log.chunks.length));
  assert.ok(log.chunks.every((c) => c.startsWith('m.tflite: ') && c.endsWith('\n')));
  assert.ok(!log.chunks.join('').includes('\r'));
  assert.match(
    log.chunks.at(-1) ?? '',
    /^m\.tflite: 1000\/1000 100% 50 samples\/s 20\.0 s elapsed\n$/,
  );

  now = 0;
  const tty = fakeStream(true);
  const p2 = new Progress(100, { stream: tty, now: clock });
  for (let i = 1; i <= 100; i++) {
    now += 50;
    p2.update(i);
  }
  p2.finish(100);
  assert.ok(tty.chunks.every((c) => c.startsWith('\r')));
  assert.match(tty.chunks[0], /\[#+\.+\] \d+\/100/);
  assert.ok(tty.chunks.at(-1)?.endsWith('\n'));
  assert.ok(tty.chunks.length > 10);

  // Forced: a bar on a stream that is not a terminal.
  now = 0;
  const forced = fakeStream(false);
  const p3 = new Progress(10, { stream: forced, now: clock, forceBar: true, delayMs: 0 });
  p3.update(1);
  assert.match(forced.chunks[0], /^\revaluating \[/);
});
