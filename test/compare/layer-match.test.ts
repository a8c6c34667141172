import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayName } from '../../src/compare/budgets.ts';
import { matchLayers, type LayerPair } from '../../src/compare/layer-match.ts';
import { analyzeModel } from '../../src/model/analysis.ts';
import { readModel } from '../../src/model/reader.ts';
import type { LayerAnalysis } from '../../src/schema/result-types.ts';
import { cnn } from './factory.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A layer from a compact spec 'OP:in>out' with shapes as 'AxBxC' (input 0 and output 0). */
function layer(spec: string, index: number): LayerAnalysis {
  const [op, io] = spec.split(':');
  const [inp, out] = (io ?? '1x8>1x8').split('>');
  const t = (s: string, name: string) => ({
    index: 0,
    name,
    shape: s.split('x').map(Number),
    dtype: 'int8',
  });
  return {
    index,
    op,
    inputs: [t(inp, `in${index}`)],
    outputs: [t(out, `out${index}`)],
    macs: 0,
    params: 0,
    weightBytes: 0,
    activationBytes: 0,
  };
}
const layers = (...specs: string[]): LayerAnalysis[] => specs.map(layer);

/** 'b0=h0 same', 'b1 removed', 'h2 added': one token per pair. */
function show(pairs: LayerPair[]): string[] {
  return pairs.map((p) => {
    if (p.status === 'removed') return `b${p.base} removed`;
    if (p.status === 'added') return `h${p.head} added`;
    return `b${p.base}=h${p.head} ${p.status}`;
  });
}

const A = 'CONV_2D:1x8x8x3>1x8x8x16';
const B = 'DEPTHWISE_CONV_2D:1x8x8x16>1x8x8x16';
const C = 'FULLY_CONNECTED:1x64>1x10';
const D = 'SOFTMAX:1x10>1x10';

const cases: { name: string; base: string[]; head: string[]; want: string[] }[] = [
  {
    name: 'identical models',
    base: [A, B, C],
    head: [A, B, C],
    want: ['b0=h0 same', 'b1=h1 same', 'b2=h2 same'],
  },
  { name: 'both empty', base: [], head: [], want: [] },
  { name: 'empty base: every layer added', base: [], head: [A, B], want: ['h0 added', 'h1 added'] },
  {
    name: 'empty head: every layer removed',
    base: [A, B],
    head: [],
    want: ['b0 removed', 'b1 removed'],
  },
  {
    name: 'insertion in the middle keeps later pairs',
    base: [A, C, D],
    head: [A, B, C, D],
    want: ['b0=h0 same', 'h1 added', 'b1=h2 same', 'b2=h3 same'],
  },
  {
    name: 'insertion of a layer of an existing operator and shape',
    base: [A, B, C],
    head: [A, B, B, C],
    want: ['b0=h0 same', 'b1=h1 same', 'h2 added', 'b2=h3 same'],
  },
  {
    name: 'deletion',
    base: [A, B, C, D],
    head: [A, C, D],
    want: ['b0=h0 same', 'b1 removed', 'b2=h1 same', 'b3=h2 same'],
  },
  {
    name: 'reshape stays paired as changed',
    base: [A, B, C],
    head: ['CONV_2D:1x8x8x3>1x8x8x24', 'DEPTHWISE_CONV_2D:1x8x8x24>1x8x8x24', C],
    want: ['b0=h0 changed', 'b1=h1 changed', 'b2=h2 same'],
  },
  {
    name: 'swap of different operators: one removed, one added',
    base: [A, B, C, D],
    head: [A, C, B, D],
    want: ['b0=h0 same', 'b1 removed', 'b2=h1 same', 'h2 added', 'b3=h3 same'],
  },
  {
    name: 'swap of same-operator layers of different shapes: two changed',
    base: ['CONV_2D:1x8x8x3>1x8x8x16', 'CONV_2D:1x8x8x16>1x8x8x32'],
    head: ['CONV_2D:1x8x8x16>1x8x8x32', 'CONV_2D:1x8x8x3>1x8x8x16'],
    want: ['b0=h0 changed', 'b1=h1 changed'],
  },
  {
    name: 'operator replaced: removed then added',
    base: [A, C],
    head: ['AVERAGE_POOL_2D:1x8x8x3>1x8x8x3', C],
    want: ['b0 removed', 'h0 added', 'b1=h1 same'],
  },
];

for (const c of cases) {
  test(`layer match: ${c.name}`, () => {
    assert.deepEqual(show(matchLayers(layers(...c.base), layers(...c.head))), c.want);
  });
}

test('layer match: every base and head layer appears exactly once, in order', () => {
  const base = layers(A, B, C, D, A, B);
  const head = layers(B, A, 'CONV_2D:1x8x8x3>1x8x8x8', D, C, D);
  const pairs = matchLayers(base, head);
  const b = pairs.flatMap((p) => (p.base !== undefined ? [p.base] : []));
  const h = pairs.flatMap((p) => (p.head !== undefined ? [p.head] : []));
  assert.deepEqual(b, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(h, [0, 1, 2, 3, 4, 5]);
  for (const p of pairs) {
    if (p.base !== undefined && p.head !== undefined)
      assert.equal(base[p.base].op, head[p.head].op);
  }
});

test('layer match: the changes name channels, kernel and shapes', () => {
  const base = layers('CONV_2D:1x8x8x3>1x8x8x16', 'RESHAPE:1x4x4x8>1x128');
  const head = layers('CONV_2D:1x8x8x3>1x8x8x24', 'RESHAPE:1x4x4x8>1x2x64');
  const pairs = matchLayers(base, head);
  assert.deepEqual(pairs[0].changes, ['output channels 16 -> 24']);
  assert.deepEqual(pairs[1].changes, ['output shape 1x128 -> 1x2x64']);
});

test('layer match: a kernel path change makes a pair changed and is listed', () => {
  const l = layers(A, B);
  const pairs = matchLayers(l, l, { base: ['opt', 'opt'], head: ['opt', 'opt-fallback'] });
  assert.equal(pairs[0].status, 'same');
  assert.equal(pairs[1].status, 'changed');
  assert.deepEqual(pairs[1].changes, ['kernel path opt -> opt-fallback']);
});

test('layer match on analysed models: a widened conv4 reshapes layers 4-6 only', () => {
  const pairs = matchLayers(cnn().layers, cnn({ conv4Channels: 24 }).layers);
  assert.equal(pairs.length, 16);
  const changed = pairs.filter((p) => p.status === 'changed').map((p) => p.head);
  assert.deepEqual(changed, [4, 5, 6]);
  assert.deepEqual(pairs[4].changes, ['output channels 16 -> 24']);
  assert.deepEqual(pairs[5].changes, ['input channels 16 -> 24', 'output channels 16 -> 24']);
  assert.deepEqual(pairs[6].changes, ['input channels 16 -> 24']);
  assert.ok(pairs.every((p) => p.base === p.head));
});

test('layer match on analysed models: an inserted conv is added, nothing else moves', () => {
  const base = cnn().layers;
  const head = cnn({ extraConv: true }).layers;
  assert.equal(head.length, 17);
  const pairs = matchLayers(base, head);
  assert.deepEqual(
    pairs.filter((p) => p.status !== 'same').map((p) => `${p.status} ${p.head}`),
    ['added 8'],
  );
  // Layers after the insertion pair with the next head position.
  const add = pairs.find((p) => p.base === 8);
  assert.equal(add?.head, 9);
  assert.equal(head[9].op, 'ADD');
});

test('layer match on analysed models: a kernel size change reads as kernel a -> b', () => {
  const pairs = matchLayers(cnn().layers, cnn({ conv4Kernel: 3 }).layers);
  assert.deepEqual(
    pairs.filter((p) => p.status !== 'same').map((p) => [p.head, p.changes]),
    [[4, ['kernel 1x1 -> 3x3']]],
  );
});

test('layer match on analysed models: a renamed tensor is not a change', () => {
  const pairs = matchLayers(cnn().layers, cnn({ conv4Name: 'renamed' }).layers);
  assert.ok(
    pairs.every((p) => p.status === 'same'),
    'names do not make a change',
  );
});

const sharedModels = path.resolve(repoRoot, '..', 'shared', 'models');
const sharedAbsent = !existsSync(sharedModels);

function analyse(file: string): LayerAnalysis[] {
  const bytes = new Uint8Array(readFileSync(path.join(sharedModels, file)));
  return analyzeModel(readModel(bytes, file), bytes, file).layers;
}

test(
  'layer match on real models: the float32 sibling of kws pairs every layer as a dtype change',
  { skip: sharedAbsent ? 'shared/ not found beside the checkout' : false },
  () => {
    const pairs = matchLayers(
      analyse('kws_ref_model.tflite'),
      analyse('kws_ref_model_float32.tflite'),
    );
    assert.equal(pairs.length, 13);
    assert.ok(pairs.every((p) => p.status === 'changed' && p.base === p.head));
    // Hybrid model: CONV_2D keeps int8 filters, DEPTHWISE_CONV_2D gets float32 ones.
    assert.deepEqual(pairs[0].changes, [
      'input type int8 -> float32',
      'input 3 type int32 -> float32',
      'output type int8 -> float32',
    ]);
    assert.ok(pairs[1].changes.includes('input 2 type int8 -> float32'));
    assert.deepEqual(
      matchLayers(analyse('kws_ref_model.tflite'), analyse('kws_ref_model.tflite')).map(
        (p) => p.status,
      ),
      Array<string>(13).fill('same'),
    );
  },
);

test('display names: the first fused name, its end kept past 64 characters', () => {
  assert.equal(
    displayName('functional_1/activation/Relu;functional_1/batch_normalization/FusedBatchNormV3'),
    'functional_1/activation/Relu',
  );
  const long = `model/${'block/'.repeat(20)}conv`;
  const shown = displayName(long);
  assert.equal(shown.length, 64);
  assert.ok(shown.startsWith('…') && shown.endsWith('/block/conv'));
  assert.equal(displayName(''), '');
});
