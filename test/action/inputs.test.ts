// The action's inputs as the runner passes them (INPUT_<NAME> variables, hyphens kept):
// defaults, lists, the agent target, and an error naming the input for every bad value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActionInputError, readInputs } from '../../src/action/inputs.ts';
import { failure } from '../../src/action/run.ts';

const WS = '/home/runner/work/repo/repo';

function inputs(values: Record<string, string>) {
  const env: Record<string, string> = { GITHUB_WORKSPACE: WS };
  for (const [k, v] of Object.entries(values)) env[`INPUT_${k.toUpperCase()}`] = v;
  return readInputs(env);
}

function fails(values: Record<string, string>, code: string, input: string): void {
  assert.throws(
    () => inputs(values),
    (e: unknown) => e instanceof ActionInputError && e.code === code && e.input === input,
  );
}

test('defaults: every input left out, as a local run without action.yml defaults', () => {
  const o = inputs({});
  assert.equal(o.configPath, `${WS}/tinyml-gate.yml`);
  assert.deepEqual(o.models, []);
  assert.deepEqual(o.boards, []);
  assert.deepEqual(o.agent, { kind: 'inprocess' });
  assert.equal(o.githubToken, '');
  assert.equal(o.mode, 'measure');
  assert.equal(o.failOn, 'fail');
  assert.equal(o.resultsDir, `${WS}/tinyml-gate-results`);
  assert.equal(o.baseline, undefined);
  assert.equal(o.comment, undefined);
});

test('values as a workflow writes them', () => {
  const o = inputs({
    config: 'ci/gate.yml',
    models: 'kws, vww\nic\n\nkws',
    boards: ' nucleo-l496zg ',
    'agent-url': 'http://127.0.0.1:7357',
    'agent-token': 's3cret-token-0123456789',
    'github-token': 'ghs_x',
    baseline: 'history',
    comment: 'off',
    mode: 'comment',
    'fail-on': 'inconclusive',
    'results-dir': '/tmp/results',
  });
  assert.equal(o.configPath, `${WS}/ci/gate.yml`);
  assert.deepEqual(o.models, ['kws', 'vww', 'ic']);
  assert.deepEqual(o.boards, ['nucleo-l496zg']);
  assert.equal(o.agent.kind, 'http');
  assert.equal(o.agent.kind === 'http' && o.agent.url.port, '7357');
  assert.equal(o.baseline, 'history');
  assert.equal(o.comment, 'off');
  assert.equal(o.mode, 'comment');
  assert.equal(o.failOn, 'inconclusive');
  assert.equal(o.resultsDir, '/tmp/results');
});

test('a unix socket agent', () => {
  const o = inputs({ 'agent-url': 'unix:/run/tinyml-agent.sock', 'agent-token': 't' });
  assert.deepEqual(o.agent, { kind: 'socket', path: '/run/tinyml-agent.sock', token: 't' });
});

test('each bad input is named', () => {
  fails({ mode: 'benchmark' }, 'bad-input', 'mode');
  fails({ 'fail-on': 'sometimes' }, 'bad-input', 'fail-on');
  fails({ baseline: 'latest' }, 'bad-input', 'baseline');
  fails({ comment: 'new' }, 'bad-input', 'comment');
  fails({ boards: 'qemu-m4, ../etc' }, 'bad-input', 'boards');
  fails({ models: 'kws;rm -rf' }, 'bad-input', 'models');
  fails({ 'agent-url': 'http://127.0.0.1:7357' }, 'missing-input', 'agent-token');
  fails({ 'agent-token': 'orphan' }, 'bad-input', 'agent-token');
  fails({ 'agent-url': 'ftp://host', 'agent-token': 't' }, 'bad-input', 'agent-url');
  fails({ 'agent-url': 'not a url', 'agent-token': 't' }, 'bad-input', 'agent-url');
  fails({ 'agent-url': 'unix:relative.sock', 'agent-token': 't' }, 'bad-input', 'agent-url');
  assert.throws(() => inputs({ mode: 'x' }), /^ActionInputError: input mode: "x" is not one of/);
});

test('fail-on decides which verdicts fail the step', () => {
  const table: [string, 'fail' | 'inconclusive' | 'never', boolean][] = [
    ['pass', 'fail', false],
    ['fail', 'fail', true],
    ['inconclusive', 'fail', false],
    ['inconclusive', 'inconclusive', true],
    ['fail', 'inconclusive', true],
    ['skipped', 'inconclusive', false],
    ['refused', 'fail', true],
    ['fail', 'never', false],
    ['refused', 'never', false],
  ];
  for (const [verdict, failOn, fails] of table) {
    const why = failure(verdict as Parameters<typeof failure>[0], failOn);
    assert.equal(why !== null, fails, `${verdict} with fail-on ${failOn}`);
  }
});
