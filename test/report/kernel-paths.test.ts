import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainPathChange } from '../../src/report/kernel-paths.ts';

test('no explanation when the path is unchanged or unknown on one side', () => {
  assert.equal(explainPathChange('opt', 'opt', ['output channels 16 -> 24']), null);
  assert.equal(explainPathChange(null, 'opt', []), null);
  assert.equal(explainPathChange('opt', null, []), null);
});

test('a fallback names the reference loop and the shape changes, not the path entry', () => {
  const s = explainPathChange('opt', 'opt-fallback', [
    'input channels 32 -> 30',
    'kernel path opt -> opt-fallback',
  ]);
  assert.equal(
    s,
    "opt -> opt-fallback: this layer no longer takes the opt kernel set's fast path and runs the reference loop; its shapes changed: input channels 32 -> 30",
  );
});

test('a recovered fast path and a path change without a shape change', () => {
  assert.match(
    explainPathChange('opt-fallback', 'opt', []) ?? '',
    /^opt-fallback -> opt: this layer now takes .* its shapes did not change/,
  );
  assert.match(explainPathChange('ref', 'opt', []) ?? '', /^ref -> opt: was the reference kernel/);
});
