// Fork safety: a fork's pull request is refused on the hardware runner unless the
// maintainer label is on it; the workflow_run half finds a fork's pull request by head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../../src/github/client.ts';
import { parseEventPayload, type GateContext } from '../../src/github/context.ts';
import { assertForkAllowed, forkDecision } from '../../src/github/fork.ts';
import { pullRequestOfRun } from '../../src/github/pulls.ts';
import { startGitHubDouble } from '../support/github-double.ts';
import { pullRequestEvent, pushEvent, workflowRunEvent } from '../support/events.ts';

const BASE = 'b'.repeat(40);
const HEAD = 'c'.repeat(40);

function ctx(
  eventName: string,
  payload: Record<string, unknown>,
  apiUrl = 'http://127.0.0.1:1',
): GateContext {
  return {
    eventName,
    repo: { owner: 'tinyml-org', repo: 'kws-models', fullName: 'tinyml-org/kws-models' },
    sha: HEAD,
    ref: '',
    apiUrl,
    serverUrl: 'https://github.com',
    stepSummaryPath: null,
    outputPath: null,
    event: parseEventPayload(eventName, payload),
  };
}

const fork = (labels: string[] = []) =>
  ctx(
    'pull_request',
    pullRequestEvent({ baseSha: BASE, headSha: HEAD, forkOwner: 'outsider', labels }),
  );

test('a fork without the label is refused on the hardware runner', () => {
  const d = forkDecision(fork(['enhancement']));
  assert.equal(d.allowed, false);
  assert.equal(d.fork, true);
  assert.match(d.reason, /outsider\/kws-models/);
  assert.match(d.reason, /tinyml-gate:run-on-hardware/);
  assert.throws(() => assertForkAllowed(fork()), { code: 'fork-refused' });
});

test('the maintainer label allows it; the label is configurable; null disables it', () => {
  assert.equal(forkDecision(fork(['tinyml-gate:run-on-hardware'])).allowed, true);
  assert.equal(forkDecision(fork(['bench-ok']), { allowLabel: 'bench-ok' }).allowed, true);
  assert.equal(
    forkDecision(fork(['tinyml-gate:run-on-hardware']), { allowLabel: 'bench-ok' }).allowed,
    false,
  );
  const none = forkDecision(fork(['tinyml-gate:run-on-hardware']), { allowLabel: null });
  assert.equal(none.allowed, false);
  assert.match(none.reason, /no label allows it/);
});

test('same-repository pull requests, pushes, emulated-only runs and workflow_run pass', () => {
  assert.equal(
    forkDecision(ctx('pull_request', pullRequestEvent({ baseSha: BASE, headSha: HEAD }))).allowed,
    true,
  );
  assert.equal(forkDecision(ctx('push', pushEvent({ before: BASE, after: HEAD }))).allowed, true);
  assert.equal(forkDecision(fork(), { hardware: false }).allowed, true);
  const run = forkDecision(
    ctx('workflow_run', workflowRunEvent({ headSha: HEAD, forkOwner: 'outsider' })),
  );
  assert.deepEqual([run.allowed, run.fork], [true, true]);
});

test('workflow_run: a linked pull request, a fork found by its head, none found', async () => {
  const d = await startGitHubDouble();
  const client = createClient({ token: 'test-token', apiUrl: d.url });
  try {
    const linked = ctx(
      'workflow_run',
      workflowRunEvent({ headSha: HEAD, pullRequests: [5] }),
      d.url,
    );
    assert.equal(await pullRequestOfRun(client, linked), 5);
    assert.equal(d.requests.length, 0, 'no request when GitHub linked it');
    d.seedPull('tinyml-org', 'kws-models', {
      number: 8,
      headOwner: 'outsider',
      headRef: 'widen-conv',
      headSha: BASE,
    });
    d.seedPull('tinyml-org', 'kws-models', {
      number: 9,
      headOwner: 'outsider',
      headRef: 'widen-conv',
      headSha: HEAD,
    });
    const forked = ctx(
      'workflow_run',
      workflowRunEvent({ headSha: HEAD, forkOwner: 'outsider' }),
      d.url,
    );
    assert.equal(await pullRequestOfRun(client, forked), 9);
    assert.equal(d.requests.at(-1)?.query.head, 'outsider:widen-conv');
    const stale = ctx(
      'workflow_run',
      workflowRunEvent({ headSha: 'd'.repeat(40), forkOwner: 'outsider' }),
      d.url,
    );
    await assert.rejects(pullRequestOfRun(client, stale), { code: 'no-pull-request' });
  } finally {
    await d.close();
  }
});
