// The action end to end, run as GitHub runs it: `node dist/index.js` with the event payload
// in GITHUB_EVENT_PATH, the GITHUB_* variables, the inputs as INPUT_* variables and the
// GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files; the GitHub API is the local double (every
// request checked against GitHub's OpenAPI description), the remote a local bare
// repository, the board the emulated Cortex-M4 (QEMU mps2-an386) run in-process by the
// action. The models are test/action/models.ts (a 9-layer int8 CNN; conv2 16 channels on
// main). The tests run in order and share the repository: each scenario adds its branch.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parseOutputs } from '../../src/github/index.ts';
import { REPO_ROOT } from '../../scripts/bundle.ts';
import { startGitHubDouble, type GitHubDouble } from '../support/github-double.ts';
import {
  actionsEnv,
  pullRequestEvent,
  pushEvent,
  workflowDispatchEvent,
  workflowRunEvent,
} from '../support/events.ts';
import { git, makeRemote, type GitRemote } from '../support/git-remote.ts';
import { startApi } from '../../runner-agent/api/server.ts';
import { boardFactory } from '../../runner-agent/boards/factory.ts';
import { DEFAULT_INVENTORY } from '../../runner-agent/boards/inventory.ts';
import { Agent } from '../../runner-agent/jobs/manager.ts';
import { gateCnn } from './models.ts';

const missing = ['qemu-system-arm', 'arm-none-eabi-gcc'].filter((tool) => {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
const SKIP =
  missing.length > 0 ? `${missing.join(', ')} not installed (bash scripts/setup.sh)` : false;

const OWNER = 'tinyml-org';
const REPO = 'kws-models';
const TOKEN = 'test-token';

// No dataset: latency and footprint only. A per-layer limit on convolutions, the default
// relative limits (latency 5 %, flash and RAM 2 %) for the whole model.
const CONFIG = `schemaVersion: 1
models:
  - name: net
    path: models/net.tflite
boards: [qemu-m4]
repeats: 2
warmup: 0
budgets:
  perLayer:
    - match: { op: CONV_2D }
      maxRegressionPct: 10
`;

interface ActionRun {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  ms: number;
  resultsDir: string;
}

let remote: GitRemote;
let gh: GitHubDouble;
let scratch: string;
let mainSha: string;
let runs = 0;
const timings: string[] = [];

before(async () => {
  if (SKIP !== false) return;
  remote = makeRemote();
  gh = await startGitHubDouble({ token: TOKEN });
  scratch = mkdtempSync(path.join(tmpdir(), 'tinyml-gate-e2e-'));
  mainSha = remote.commit(
    { 'tinyml-gate.yml': CONFIG, 'models/net.tflite': gateCnn(16), 'README.md': '# models\n' },
    'models: net with conv2 at 16 channels',
  );
  remote.push();
});

after(async () => {
  if (SKIP !== false) return;
  await gh.close();
  remote.cleanup();
  rmSync(scratch, { recursive: true, force: true });
  process.stdout.write(`# action e2e timings: ${timings.join('; ')}\n`);
});

/** A branch from main with these files committed and pushed; its head sha. */
function branch(name: string, files: Record<string, string | Uint8Array>, from = mainSha): string {
  remote.branch(name, from);
  const sha = remote.commit(files, `${name}`);
  remote.push();
  return sha;
}

/** Runs the bundle in the work tree checked out at `sha`, as the runner would. */
async function runAction(
  label: string,
  o: {
    event: string;
    payload: Record<string, unknown>;
    sha: string;
    inputs?: Record<string, string>;
    env?: Record<string, string>;
  },
): Promise<ActionRun> {
  remote.checkout(o.sha);
  const dir = path.join(scratch, `run-${++runs}`);
  mkdirSync(dir, { recursive: true });
  const env: Record<string, string> = {
    ...actionsEnv({ dir, eventName: o.event, payload: o.payload, sha: o.sha, apiUrl: gh.url }),
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_WORKSPACE: remote.work,
    RUNNER_ENVIRONMENT: 'self-hosted',
    RUNNER_TEMP: dir,
    'INPUT_GITHUB-TOKEN': TOKEN,
    'INPUT_RESULTS-DIR': path.join(dir, 'results'),
  };
  for (const [k, v] of Object.entries(o.inputs ?? {})) env[`INPUT_${k.toUpperCase()}`] = v;
  Object.assign(env, o.env);
  const started = performance.now();
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'dist/index.js')],
      { cwd: remote.work, env, maxBuffer: 64 << 20, timeout: 300_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
  const ms = performance.now() - started;
  timings.push(`${label} ${(ms / 1000).toFixed(1)} s`);
  return {
    code: r.code,
    stdout: `${r.stdout}\n${r.stderr}`,
    outputs: parseOutputs(readFileSync(path.join(dir, 'output.txt'), 'utf8')),
    summary: readFileSync(path.join(dir, 'summary.md'), 'utf8'),
    ms,
    resultsDir: path.join(dir, 'results'),
  };
}

/** The report as a reader sees it: character references decoded. */
function plain(markdown: string): string {
  return markdown
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

function writes(since: number): string[] {
  return gh.requests
    .slice(since)
    .filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${r.path}`);
}

const PR_WIDEN = 7;
let widenComment = 0;

test(
  '(a) a PR that widens conv2 fails, with a comment naming the layer and the budget',
  { skip: SKIP },
  async () => {
    const head = branch('widen-conv', { 'models/net.tflite': gateCnn(32) });
    const payload = pullRequestEvent({
      owner: OWNER,
      repo: REPO,
      number: PR_WIDEN,
      baseSha: mainSha,
      headSha: head,
    });
    const r = await runAction('(a) widen', { event: 'pull_request', payload, sha: head });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.outputs.verdict, 'fail');
    assert.match(r.stdout, /::error::tinyml-gate: a budget is broken/);
    const comments = gh.comments(OWNER, REPO, PR_WIDEN);
    assert.equal(comments.length, 1);
    const body = plain(comments[0].body);
    assert.match(body, /^<!-- tinyml-gate:config=[0-9a-f]{12} -->\n## ❌ tinyml-gate: fail/);
    assert.match(
      body,
      /conv2 \(CONV_2D, layer 2\): \+\d+(\.\d+)?% instructions > 10% per-layer limit/,
    );
    assert.match(body, /output channels 16 -> 32/);
    // The same report in the job summary and the report output.
    assert.equal(r.outputs.report, comments[0].body);
    assert.ok(r.summary.includes(comments[0].body));
    const paths = JSON.parse(r.outputs['result-paths']) as string[];
    assert.deepEqual(paths.map((p) => path.basename(p)).sort(), [
      'net.qemu-m4.base.json',
      'net.qemu-m4.head.json',
    ]);
    const doc = JSON.parse(
      readFileSync(paths.find((p) => p.endsWith('head.json')) ?? '', 'utf8'),
    ) as {
      commit: { sha: string };
      timeUnit: string;
    };
    assert.equal(doc.commit.sha, head);
    assert.equal(doc.timeUnit, 'instructions');
    widenComment = comments[0].id;
  },
);

test(
  '(c) a second push to the PR updates the same comment, never adds one',
  { skip: SKIP },
  async () => {
    const since = gh.requests.length;
    remote.checkout('widen-conv');
    const head = remote.commit({ 'models/net.tflite': gateCnn(24) }, 'conv2 at 24 channels');
    remote.push();
    const payload = pullRequestEvent({
      owner: OWNER,
      repo: REPO,
      action: 'synchronize',
      number: PR_WIDEN,
      baseSha: mainSha,
      headSha: head,
    });
    const r = await runAction('(c) second push', { event: 'pull_request', payload, sha: head });
    assert.equal(r.code, 1, r.stdout);
    const comments = gh.comments(OWNER, REPO, PR_WIDEN);
    assert.equal(comments.length, 1);
    assert.equal(comments[0].id, widenComment);
    assert.match(plain(comments[0].body), /output channels 16 -> 24/);
    assert.deepEqual(writes(since), [
      `PATCH /repos/${OWNER}/${REPO}/issues/comments/${widenComment}`,
    ]);
  },
);

test('(b) a PR that only improves passes', { skip: SKIP }, async () => {
  const head = branch('slim-conv', { 'models/net.tflite': gateCnn(8) });
  const payload = pullRequestEvent({
    owner: OWNER,
    repo: REPO,
    number: 8,
    baseSha: mainSha,
    headSha: head,
    headRef: 'slim-conv',
  });
  const r = await runAction('(b) improve', { event: 'pull_request', payload, sha: head });
  assert.equal(r.code, 0, r.stdout);
  assert.equal(r.outputs.verdict, 'pass');
  const comments = gh.comments(OWNER, REPO, 8);
  assert.equal(comments.length, 1);
  const body = plain(comments[0].body);
  assert.match(body, /## ✅ tinyml-gate: pass/);
  assert.match(body, /output channels 16 -> 8/);
  assert.doesNotMatch(body, /per-layer limit/);
});

test('(e) a PR with no model change skips measurement and says so', { skip: SKIP }, async () => {
  const since = gh.requests.length;
  const head = branch('docs', { 'README.md': '# models\n\nHow to retrain.\n' });
  const payload = pullRequestEvent({
    owner: OWNER,
    repo: REPO,
    number: 9,
    baseSha: mainSha,
    headSha: head,
    headRef: 'docs',
  });
  const r = await runAction('(e) no model change', { event: 'pull_request', payload, sha: head });
  assert.equal(r.code, 0, r.stdout);
  assert.equal(r.outputs.verdict, 'skipped');
  assert.deepEqual(JSON.parse(r.outputs['result-paths']), []);
  assert.match(r.summary, /no model changed, nothing measured/);
  assert.match(plain(r.summary), /\*\*net\*\*: not measured: unchanged since the base commit/);
  // No board was started, and a PR that never touched a model gets no comment.
  assert.doesNotMatch(r.stdout, /measuring/);
  assert.equal(gh.comments(OWNER, REPO, 9).length, 0);
  assert.deepEqual(writes(since), []);
});

test(
  '(d) a push to the base branch records history and posts nothing',
  { skip: SKIP },
  async () => {
    const since = gh.requests.length;
    remote.checkout('main');
    git(remote.work, ['merge', '--quiet', '--ff-only', 'slim-conv']);
    const afterSha = git(remote.work, ['rev-parse', 'HEAD']);
    remote.push();
    const payload = pushEvent({ owner: OWNER, repo: REPO, before: mainSha, after: afterSha });
    const r = await runAction('(d) push to main', { event: 'push', payload, sha: afterSha });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.outputs.verdict, 'pass');
    assert.match(r.stdout, /history: 1 result\(s\) recorded on tinyml-gate-data/);
    assert.deepEqual(writes(since), []);
    assert.equal(gh.requests.length, since, 'a push talks to no GitHub API');
    const files = git(remote.remote, ['ls-tree', '-r', '--name-only', 'tinyml-gate-data']).split(
      '\n',
    );
    assert.ok(files.includes(`results/${afterSha}/net/qemu-m4.json`), files.join(', '));
    assert.ok(files.includes('index.json'));
    const stored = JSON.parse(
      git(remote.remote, ['show', `tinyml-gate-data:results/${afterSha}/net/qemu-m4.json`]),
    ) as { commit: { sha: string } };
    assert.equal(stored.commit.sha, afterSha);
    mainSha = afterSha;
  },
);

test(
  'workflow_dispatch measures the commit and reports to the summary only',
  { skip: SKIP },
  async () => {
    const since = gh.requests.length;
    const payload = workflowDispatchEvent({ owner: OWNER, repo: REPO });
    const r = await runAction('dispatch', { event: 'workflow_dispatch', payload, sha: mainSha });
    assert.equal(r.code, 0, r.stdout);
    // No baseline: the model is reported as new, under its absolute budgets only.
    assert.equal(r.outputs.verdict, 'pass');
    const paths = JSON.parse(r.outputs['result-paths']) as string[];
    assert.deepEqual(
      paths.map((p) => path.basename(p)),
      ['net.qemu-m4.head.json'],
    );
    assert.match(r.summary, /^<!-- tinyml-gate:config=[0-9a-f]{12} -->\n## ✅ tinyml-gate: pass/);
    assert.doesNotMatch(r.stdout, /history: .* recorded/);
    assert.equal(gh.requests.length, since);
  },
);

test(
  'a PR on the new main takes its baseline from the history branch',
  { skip: SKIP },
  async () => {
    const head = branch('widen-again', { 'models/net.tflite': gateCnn(32) });
    const payload = pullRequestEvent({
      owner: OWNER,
      repo: REPO,
      number: 10,
      baseSha: mainSha,
      headSha: head,
      headRef: 'widen-again',
    });
    const r = await runAction('history baseline', {
      event: 'pull_request',
      payload,
      sha: head,
      inputs: { baseline: 'history' },
    });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /baseline from history/);
    assert.doesNotMatch(r.stdout, /measuring base/);
    // Only the head was measured; the base document is the one stored for main's commit
    // (written beside the head's, so that comment mode can use this folder too).
    const paths = JSON.parse(r.outputs['result-paths']) as string[];
    const basePath = paths.find((p) => p.endsWith('net.qemu-m4.base.json')) ?? '';
    const base = JSON.parse(readFileSync(basePath, 'utf8')) as { commit: { sha: string } };
    assert.equal(base.commit.sha, mainSha);
    assert.match(plain(gh.comments(OWNER, REPO, 10)[0].body), /output channels 8 -> 32/);
  },
);

test(
  'matrix: results from several jobs, one failed, one missing -> one comment, inconclusive',
  { skip: SKIP },
  async () => {
    const head = branch('tune-conv', { 'models/net.tflite': gateCnn(6) });
    const pr = 11;
    const payload = pullRequestEvent({
      owner: OWNER,
      repo: REPO,
      number: pr,
      baseSha: mainSha,
      headSha: head,
      headRef: 'tune-conv',
    });
    const artifacts = path.join(scratch, 'artifacts');
    const job = (board: string) => ({
      boards: board,
      comment: 'off',
      'fail-on': 'never',
      'results-dir': path.join(artifacts, `tinyml-gate-results-${board}`),
    });
    // The emulated board measures; nucleo-l496zg is not on this host (the job's board fails);
    // the qemu-m7 job never ran far enough to upload anything.
    const ok = await runAction('matrix job qemu-m4', {
      event: 'pull_request',
      payload,
      sha: head,
      inputs: job('qemu-m4'),
    });
    assert.equal(ok.code, 0, ok.stdout);
    assert.equal(ok.outputs.verdict, 'pass');
    const bad = await runAction('matrix job nucleo', {
      event: 'pull_request',
      payload,
      sha: head,
      inputs: job('nucleo-l496zg'),
    });
    assert.equal(bad.code, 0, bad.stdout);
    assert.equal(bad.outputs.verdict, 'inconclusive');
    assert.equal(gh.comments(OWNER, REPO, pr).length, 0, 'comment: off');

    const r = await runAction('matrix gather', {
      event: 'pull_request',
      payload,
      sha: head,
      inputs: {
        mode: 'comment',
        boards: 'qemu-m4, nucleo-l496zg, qemu-m7',
        'fail-on': 'inconclusive',
        'results-dir': artifacts,
      },
    });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.outputs.verdict, 'inconclusive');
    const comments = gh.comments(OWNER, REPO, pr);
    assert.equal(comments.length, 1);
    const body = plain(comments[0].body);
    assert.match(body, /## ⚠️ tinyml-gate: inconclusive/);
    assert.match(body, /nucleo-l496zg/);
    assert.match(body, /no result from the job of board qemu-m7/);
    assert.match(body, /output channels 8 -> 6/);
    const read = JSON.parse(r.outputs['result-paths']) as string[];
    assert.deepEqual(read.map((p) => path.basename(p)).sort(), [
      'net.qemu-m4.base.json',
      'net.qemu-m4.head.json',
    ]);
    assert.ok(r.ms < 10_000, `comment mode uses no board: ${r.ms} ms`);
  },
);

test(
  'a fork PR is refused on the hardware runner unless a maintainer labelled it',
  { skip: SKIP },
  async () => {
    const head = branch('outside-idea', { 'models/net.tflite': gateCnn(7) });
    const pr = { owner: OWNER, repo: REPO, number: 12, baseSha: mainSha, headSha: head };
    const since = gh.requests.length;
    const payload = pullRequestEvent({ ...pr, headRef: 'outside-idea', forkOwner: 'outsider' });
    const r = await runAction('fork refused', { event: 'pull_request', payload, sha: head });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.outputs.verdict, 'refused');
    assert.doesNotMatch(r.stdout, /measuring|leased board/);
    assert.match(plain(r.summary), /comes from the fork outsider\/kws-models/);
    assert.match(r.summary, /tinyml-gate:run-on-hardware/);
    assert.deepEqual(writes(since), []);

    const labelled = pullRequestEvent({
      ...pr,
      action: 'labeled',
      headRef: 'outside-idea',
      forkOwner: 'outsider',
      labels: ['tinyml-gate:run-on-hardware'],
    });
    const ok = await runAction('fork labelled', {
      event: 'pull_request',
      payload: labelled,
      sha: head,
    });
    assert.equal(ok.code, 0, ok.stdout);
    assert.equal(ok.outputs.verdict, 'pass');
    assert.equal(gh.comments(OWNER, REPO, 12).length, 1);
  },
);

test(
  'fork-safe pair: measure with a read-only token, comment from workflow_run',
  { skip: SKIP },
  async () => {
    const head = branch('outside-tweak', { 'models/net.tflite': gateCnn(5) });
    const pr = 13;
    const payload = pullRequestEvent({
      owner: OWNER,
      repo: REPO,
      number: pr,
      baseSha: mainSha,
      headSha: head,
      headRef: 'outside-tweak',
      forkOwner: 'outsider',
    });
    const since = gh.requests.length;
    // measure.yml: GitHub-hosted runner, emulated boards in-process, no write token.
    const m = await runAction('fork-safe measure', {
      event: 'pull_request',
      payload,
      sha: head,
      inputs: { comment: 'off', 'fail-on': 'never', 'github-token': '' },
      env: { RUNNER_ENVIRONMENT: 'github-hosted' },
    });
    assert.equal(m.code, 0, m.stdout);
    assert.equal(m.outputs.verdict, 'pass');
    assert.equal(gh.requests.length, since, 'the measure half talks to no GitHub API');

    // comment.yml: the base repository's checkout (main), the artifact downloaded.
    gh.seedPull(OWNER, REPO, {
      number: pr,
      headOwner: 'outsider',
      headRef: 'outside-tweak',
      headSha: head,
    });
    const run = workflowRunEvent({
      owner: OWNER,
      repo: REPO,
      headSha: head,
      headBranch: 'outside-tweak',
      forkOwner: 'outsider',
    });
    const c = await runAction('fork-safe comment', {
      event: 'workflow_run',
      payload: run,
      sha: mainSha,
      inputs: { mode: 'comment', 'results-dir': m.resultsDir },
    });
    assert.equal(c.code, 0, c.stdout);
    assert.equal(c.outputs.verdict, 'pass');
    const comments = gh.comments(OWNER, REPO, pr);
    assert.equal(comments.length, 1);
    assert.match(plain(comments[0].body), /## ✅ tinyml-gate: pass/);
    assert.match(plain(comments[0].body), /output channels 8 -> 5/);
  },
);

test('boards behind the runner agent: agent-url and agent-token', { skip: SKIP }, async () => {
  // The agent a self-hosted runner host runs (tinyml-agent serve), here in this process
  // with one QEMU board; the action talks to it over HTTP only.
  const agent = new Agent({
    inventory: {
      schemaVersion: 1,
      boards: DEFAULT_INVENTORY.boards.filter((b) => b.id === 'qemu-m4'),
    },
    stateFile: null,
    createBoard: boardFactory(),
  });
  const token = 'agent-token-0123456789abcdef';
  const api = await startApi({ agent, token });
  try {
    const head = branch('via-agent', { 'models/net.tflite': gateCnn(4) });
    const payload = pullRequestEvent({
      owner: OWNER,
      repo: REPO,
      number: 14,
      baseSha: mainSha,
      headSha: head,
      headRef: 'via-agent',
    });
    const r = await runAction('via agent API', {
      event: 'pull_request',
      payload,
      sha: head,
      inputs: { 'agent-url': api.address, 'agent-token': token },
    });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.outputs.verdict, 'pass');
    // The token is masked in the log, and the jobs ran on the agent's board.
    assert.match(r.stdout, new RegExp(`::add-mask::${token}`));
    assert.equal(agent.status()[0].health.consecutiveFailures, 0);
    assert.notEqual(agent.status()[0].firmware, null, 'the agent started its board');
    assert.match(r.stdout, /leased board qemu-m4/);
    assert.match(plain(gh.comments(OWNER, REPO, 14)[0].body), /output channels 8 -> 4/);
  } finally {
    await api.close();
    await agent.close();
  }
});

test('measure mode on workflow_run stops with wrong-event', { skip: SKIP }, async () => {
  const payload = workflowRunEvent({
    owner: OWNER,
    repo: REPO,
    headSha: mainSha,
    headBranch: 'main',
  });
  const r = await runAction('wrong event', { event: 'workflow_run', payload, sha: mainSha });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /::error::wrong-event: a workflow_run event carries no code to measure/);
  assert.equal(r.outputs.verdict, undefined);
});

test('every request the action made was one GitHub documents', { skip: SKIP }, () => {
  assert.deepEqual(gh.violations, []);
  assert.ok(gh.requests.length > 0);
});
