import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PipelineError, plan } from '../../src/pipeline/index.ts';
import { parseConfigText } from '../../src/schema/load.ts';

const config = parseConfigText(
  [
    'schemaVersion: 1',
    'models:',
    '  - { name: kws, path: models/kws.tflite }',
    '  - { name: vww, path: models/vww.tflite }',
    'boards: [qemu-m4, nucleo-l496zg]',
  ].join('\n'),
  'tinyml-gate.yml',
);

const code = (c: string) => (e: unknown) => e instanceof PipelineError && e.code === c;

test('every model on every board, models outermost', () => {
  const p = plan(config);
  assert.deepEqual(
    p.jobs.map((j) => `${j.model.name}@${j.board}`),
    ['kws@qemu-m4', 'kws@nucleo-l496zg', 'vww@qemu-m4', 'vww@nucleo-l496zg'],
  );
});

test('a selection narrows the models and replaces the boards', () => {
  const p = plan(config, { models: ['vww'], boards: ['emulated', 'emulated'] });
  assert.deepEqual(
    p.models.map((m) => m.name),
    ['vww'],
  );
  assert.deepEqual(p.boards, ['emulated']);
  assert.deepEqual(
    p.jobs.map((j) => `${j.model.name}@${j.board}`),
    ['vww@emulated'],
  );
});

test('an unknown model is named, with the ones the configuration has', () => {
  assert.throws(
    () => plan(config, { models: ['kws', 'ic'] }),
    (e: unknown) => {
      assert.ok(code('bad-selection')(e));
      assert.match((e as Error).message, /"ic" is not in the configuration \(it has kws, vww\)/);
      return true;
    },
  );
});

test('an empty selection and a board name that is not one are refused', () => {
  assert.throws(() => plan(config, { models: [] }), code('bad-selection'));
  assert.throws(() => plan(config, { boards: [] }), code('bad-selection'));
  assert.throws(() => plan(config, { boards: ['../etc'] }), code('bad-selection'));
  assert.throws(() => plan(config, { boards: ['-rf'] }), code('bad-selection'));
});
