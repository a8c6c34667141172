// Step outputs and the job summary, written in GitHub's file-command formats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOutputs, setOutputs } from '../../src/github/outputs.ts';
import { MAX_SUMMARY_BYTES, writeSummary } from '../../src/github/summary.ts';

const dir = mkdtempSync(join(tmpdir(), 'tinyml-gate-outputs-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('outputs: multi-line values survive, appended to what other steps wrote', () => {
  const path = join(dir, 'output');
  writeFileSync(path, 'earlier=1\n');
  const report = '## ❌ tinyml-gate: fail\n\n| a | b |\n|---|---|\n| 1 | 2 |';
  assert.equal(setOutputs({ verdict: 'fail', report, 'result-paths': '["a.json"]' }, path), true);
  assert.deepEqual(parseOutputs(readFileSync(path, 'utf8')), {
    earlier: '1',
    verdict: 'fail',
    report,
    'result-paths': '["a.json"]',
  });
});

test('outputs: no file outside Actions, bad names refused', () => {
  assert.equal(setOutputs({ verdict: 'pass' }, null), false);
  assert.throws(() => setOutputs({ 'bad name': 'x' }, join(dir, 'o2')), { code: 'file-command' });
  assert.throws(() => setOutputs({ v: 'x' }, join(dir, 'missing-dir', 'o')), {
    code: 'file-command',
  });
});

test('summary: appended with a blank line; refused past 1 MiB', () => {
  const path = join(dir, 'summary.md');
  assert.equal(writeSummary('# one', path), true);
  assert.equal(writeSummary('# two\n', path), true);
  assert.equal(readFileSync(path, 'utf8'), '# one\n\n# two\n\n');
  assert.equal(writeSummary('x', null), false);
  assert.throws(() => writeSummary('x'.repeat(MAX_SUMMARY_BYTES), path), { code: 'file-command' });
  assert.equal(readFileSync(path, 'utf8'), '# one\n\n# two\n\n', 'nothing written on refusal');
});
