// Reading the run's context from real webhook payloads (@octokit/webhooks-examples,
// adapted and re-checked against @octokit/webhooks-schemas) and the GITHUB_* variables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readContext, repositoryUrl } from '../../src/github/context.ts';
import {
  actionsEnv,
  pullRequestEvent,
  pushEvent,
  workflowDispatchEvent,
  workflowRunEvent,
} from '../support/events.ts';

const BASE = 'b'.repeat(40);
const HEAD = 'c'.repeat(40);
const dir = mkdtempSync(join(tmpdir(), 'tinyml-gate-context-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function envFor(eventName: string, payload: Record<string, unknown>, sha = HEAD) {
  return actionsEnv({
    dir: join(dir, String(n++)),
    eventName,
    payload,
    sha,
    apiUrl: 'http://127.0.0.1:1/',
  });
}

test('pull_request (synchronize) from the same repository', () => {
  const payload = pullRequestEvent({
    action: 'synchronize',
    number: 12,
    baseSha: BASE,
    headSha: HEAD,
    labels: ['ml'],
  });
  const ctx = readContext(envFor('pull_request', payload));
  assert.equal(ctx.repo.fullName, 'tinyml-org/kws-models');
  assert.equal(ctx.apiUrl, 'http://127.0.0.1:1', 'trailing slash dropped');
  assert.ok(ctx.outputPath !== null && ctx.stepSummaryPath !== null);
  assert.equal(ctx.event.kind, 'pull_request');
  if (ctx.event.kind !== 'pull_request') return;
  assert.equal(ctx.event.action, 'synchronize');
  assert.equal(ctx.event.number, 12);
  assert.deepEqual(ctx.event.base, { sha: BASE, ref: 'main', repo: 'tinyml-org/kws-models' });
  assert.equal(ctx.event.head.sha, HEAD);
  assert.equal(ctx.event.fork, false);
  assert.deepEqual(ctx.event.labels, ['ml']);
  assert.equal(ctx.event.trigger, 'pull_request');
});

test('pull_request from a fork, labeled', () => {
  const payload = pullRequestEvent({
    action: 'labeled',
    baseSha: BASE,
    headSha: HEAD,
    forkOwner: 'outsider',
    labels: ['tinyml-gate:run-on-hardware'],
  });
  const ctx = readContext(envFor('pull_request', payload));
  assert.equal(ctx.event.kind, 'pull_request');
  if (ctx.event.kind !== 'pull_request') return;
  assert.equal(ctx.event.fork, true);
  assert.equal(ctx.event.head.repo, 'outsider/kws-models');
  assert.deepEqual(ctx.event.labels, ['tinyml-gate:run-on-hardware']);
});

test('pull_request_target reads as a pull request with its trigger', () => {
  const payload = pullRequestEvent({ baseSha: BASE, headSha: HEAD, forkOwner: 'outsider' });
  const ctx = readContext(envFor('pull_request_target', payload));
  assert.ok(ctx.event.kind === 'pull_request' && ctx.event.trigger === 'pull_request_target');
});

test('push to the default branch, to another branch, and a branch deletion', () => {
  const main = readContext(envFor('push', pushEvent({ before: BASE, after: HEAD })));
  assert.deepEqual(main.event, {
    kind: 'push',
    ref: 'refs/heads/main',
    branch: 'main',
    before: BASE,
    after: HEAD,
    deleted: false,
    defaultBranch: 'main',
    toDefaultBranch: true,
  });
  const other = readContext(
    envFor('push', pushEvent({ ref: 'refs/heads/dev', before: BASE, after: HEAD })),
  );
  assert.ok(
    other.event.kind === 'push' && !other.event.toDefaultBranch && other.event.branch === 'dev',
  );
  const payload = pushEvent({ ref: 'refs/heads/dev', before: BASE, after: '0'.repeat(40) });
  payload.deleted = true;
  const gone = readContext(envFor('push', payload));
  assert.ok(gone.event.kind === 'push' && gone.event.deleted);
});

test('workflow_dispatch with inputs', () => {
  const payload = workflowDispatchEvent({ ref: 'refs/heads/main', inputs: { boards: 'qemu-m4' } });
  const ctx = readContext(envFor('workflow_dispatch', payload));
  assert.deepEqual(ctx.event, {
    kind: 'workflow_dispatch',
    ref: 'refs/heads/main',
    inputs: { boards: 'qemu-m4' },
  });
});

test('workflow_run: linked pull request, and a fork whose pull request is not linked', () => {
  const same = readContext(
    envFor('workflow_run', workflowRunEvent({ headSha: HEAD, pullRequests: [7] })),
  );
  assert.equal(same.event.kind, 'workflow_run');
  if (same.event.kind !== 'workflow_run') return;
  assert.deepEqual(same.event.pullRequests, [7]);
  assert.equal(same.event.fork, false);
  assert.equal(same.event.run.event, 'pull_request');
  assert.equal(same.event.run.headSha, HEAD);
  assert.equal(same.event.run.conclusion, 'success');
  const fork = readContext(
    envFor('workflow_run', workflowRunEvent({ headSha: HEAD, forkOwner: 'outsider' })),
  );
  assert.ok(
    fork.event.kind === 'workflow_run' && fork.event.fork && fork.event.pullRequests.length === 0,
  );
});

test('errors name the variable, the file or the field', () => {
  const payload = pullRequestEvent({ baseSha: BASE, headSha: HEAD });
  const env = envFor('pull_request', payload);
  assert.throws(() => readContext({ ...env, GITHUB_EVENT_NAME: undefined }), {
    code: 'missing-env',
    message: /GITHUB_EVENT_NAME/,
  });
  assert.throws(() => readContext({ ...env, GITHUB_EVENT_NAME: 'issue_comment' }), {
    code: 'unsupported-event',
  });
  assert.throws(() => readContext({ ...env, GITHUB_REPOSITORY: 'no-slash' }), {
    code: 'missing-env',
  });
  assert.throws(() => readContext({ ...env, GITHUB_EVENT_PATH: join(dir, 'nope.json') }), {
    code: 'bad-event-file',
  });
  const garbled = join(dir, 'garbled.json');
  writeFileSync(garbled, '{"action": ');
  assert.throws(() => readContext({ ...env, GITHUB_EVENT_PATH: garbled }), {
    code: 'bad-event-file',
  });
  const broken = structuredClone(payload);
  delete (broken.pull_request as { head: { sha?: string } }).head.sha;
  const brokenPath = join(dir, 'broken.json');
  writeFileSync(brokenPath, JSON.stringify(broken));
  assert.throws(() => readContext({ ...env, GITHUB_EVENT_PATH: brokenPath }), {
    code: 'bad-event',
    message: /pull_request\.head\.sha must be a string/,
  });
  const badLabel = structuredClone(payload);
  (badLabel.pull_request as { labels: unknown[] }).labels = [{ name: 3 }];
  writeFileSync(brokenPath, JSON.stringify(badLabel));
  assert.throws(() => readContext({ ...env, GITHUB_EVENT_PATH: brokenPath }), {
    code: 'bad-event',
    message: /pull_request\.labels\.0\.name must be a string/,
  });
});

test('repositoryUrl: the history remote, without credentials', () => {
  const ctx = readContext(envFor('push', pushEvent({ before: BASE, after: HEAD })));
  assert.equal(repositoryUrl(ctx), 'https://github.com/tinyml-org/kws-models.git');
});
