// `tinyml-gate run`: exit codes, stdout/stderr, --json, with the fake board; then one real
// run through the in-process agent on QEMU (mps2-an386) with the LeNet example.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { main, type CliIo } from '../../src/cli/main.ts';
import { runRunWith } from '../../src/cli/run.ts';
import { fakeBench } from './fake-bench.ts';
import { LENET, LENET_WIDE, Repo, configYaml } from './git-fixture.ts';

const BUDGETS = `budgets:\n  perLayer:\n    - match: { op: CONV_2D }\n      maxRegressionPct: 20\n`;
let repo: Repo;
const outDirs: string[] = [];
before(() => {
  repo = new Repo();
  repo.write('tinyml-gate.yml', configYaml({ lenet: 'models/lenet.tflite' }, ['qemu-m4'], BUDGETS));
  repo.copy(LENET, 'models/lenet.tflite');
  repo.commit('base');
  repo.git('checkout', '-q', '-b', 'widen');
  repo.copy(LENET_WIDE, 'models/lenet.tflite');
  repo.commit('widen conv2');
  repo.git('checkout', '-q', '-b', 'docs', 'main');
  repo.write('README.md', 'docs\n');
  repo.commit('docs');
  repo.git('checkout', '-q', 'widen');
});
after(() => {
  repo.remove();
  for (const d of outDirs) rmSync(d, { recursive: true, force: true });
});

function io(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    out: () => out,
    err: () => err,
  };
}

const args = (...extra: string[]) => [
  '--config',
  path.join(repo.dir, 'tinyml-gate.yml'),
  '--repo',
  repo.dir,
  ...extra,
];

async function runFake(argv: string[], failing: string[] = []) {
  const fb = fakeBench({ failing });
  let closed = 0;
  const c = io();
  const code = await runRunWith(argv, c, () => ({
    bench: fb.bench,
    close: async () => void closed++,
  }));
  assert.equal(closed, 1, 'the bench is closed once, whatever the outcome');
  return { code, out: c.out(), err: c.err(), calls: fb.calls };
}

test('a widened layer: exit 1, the report on stdout, progress on stderr', async () => {
  const r = await runFake(args('--base', 'main'));
  assert.equal(r.code, 1);
  assert.match(r.out, /^<!-- tinyml-gate:config=[0-9a-f]{12} -->\n## ❌ tinyml-gate: fail/);
  assert.match(
    r.out,
    /conv2 \(CONV_2D, layer 2\): \+\d+\.\d% instructions &gt; 20% per-layer limit/,
  );
  assert.match(r.err, /^tinyml-gate: resolving 1 model\(s\) at head \(work tree\) and base main$/m);
  assert.match(r.err, /^tinyml-gate: measuring base of lenet on qemu-m4$/m);
  assert.equal(r.calls.length, 2);
});

test('--json: verdict, entries and the result files', async () => {
  const r = await runFake(args('--base', 'main', '--json', '--head', 'widen'));
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out) as {
    verdict: string;
    entries: { status: string; baselineSource: string }[];
    results: { role: string; path: string; board: string }[];
    report: string;
  };
  assert.equal(j.verdict, 'fail');
  assert.deepEqual(
    j.entries.map((e) => [e.status, e.baselineSource]),
    [['compared', 'remeasured']],
  );
  assert.deepEqual(
    j.results.map((x) => [x.role, x.board]),
    [
      ['head', 'qemu-m4'],
      ['base', 'qemu-m4'],
    ],
  );
  outDirs.push(path.dirname(j.report));
  for (const x of j.results)
    assert.equal(JSON.parse(readFileSync(x.path, 'utf8')).schemaVersion, 1);
  assert.match(readFileSync(j.report, 'utf8'), /tinyml-gate: fail/);
});

test('no model change: exit 0 and no board time; a failed board: exit 3', async () => {
  const docs = await runFake(args('--base', 'main', '--head', 'docs'));
  assert.equal(docs.code, 0);
  assert.equal(docs.calls.length, 0);
  assert.match(docs.out, /\*\*lenet\*\*: not measured: unchanged/);
  const down = await runFake(args('--base', 'main', '--board', 'qemu-m4,qemu-m7'), ['qemu-m7']);
  assert.equal(down.code, 1, 'qemu-m4 still fails the budget');
  const onlyDown = await runFake(args('--base', 'main', '--board', 'qemu-m7'), ['qemu-m7']);
  assert.equal(onlyDown.code, 3);
  assert.match(onlyDown.out, /tinyml-gate: inconclusive/);
});

test('a run that cannot start exits 4 with one line; usage errors exit 2', async () => {
  const bad = await runFake(args('--base', 'no-such-branch'));
  assert.equal(bad.code, 4);
  assert.match(bad.err, /^error: git ref "no-such-branch" is not a commit/m);
  const c = io();
  assert.equal(await main(['run', '--base', 'main'], c), 2);
  assert.match(c.err(), /--config is required/);
  const d = io();
  assert.equal(await main(['run', ...args('--baseline-mode', 'sometimes')], d), 2);
  const h = io();
  assert.equal(await main(['run', '--help'], h), 0);
  assert.match(h.out(), /exit status: 0 pass, 1 fail/);
});

function have(cmd: string): boolean {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const noQemu = !have('qemu-system-arm') || !have('arm-none-eabi-gcc');

test(
  'the real gate: LeNet widened, base and head on QEMU mps2-an386 through the in-process agent',
  {
    skip: noQemu
      ? 'qemu-system-arm or arm-none-eabi-gcc not installed (bash scripts/setup.sh)'
      : false,
    timeout: 120_000,
  },
  async () => {
    const c = io();
    const t0 = Date.now();
    const code = await main(['run', ...args('--base', 'main', '--json', '--board', 'qemu-m4')], c);
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(code, 1, c.err());
    const j = JSON.parse(c.out()) as {
      reasons: { kind: string; message: string }[];
      results: { role: string; path: string }[];
      report: string;
    };
    outDirs.push(path.dirname(j.report));
    assert.ok(
      j.reasons.some((r) => r.kind === 'perLayer' && /^conv2 \(CONV_2D, layer 2\)/.test(r.message)),
    );
    const docs = j.results.map((x) => JSON.parse(readFileSync(x.path, 'utf8')));
    assert.deepEqual(
      docs.map((d) => d.board.machine),
      ['mps2-an386', 'mps2-an386'],
    );
    assert.deepEqual(
      docs.map((d) => d.timeUnit),
      ['instructions', 'instructions'],
    );
    // The same board, the same firmware build: compared, not merely listed.
    assert.equal(docs[0].board.firmwareHash, docs[1].board.firmwareHash);
    // The wide conv2 has 1.5x the MACs of the narrow one; its instruction count follows.
    const conv2 = docs.map((d) => d.layers[2].ticks.median as number);
    const ratio = conv2[0] / conv2[1];
    assert.ok(ratio > 1.3 && ratio < 1.7, `conv2 head/base ${ratio}`);
    assert.match(c.err(), /agent: board qemu-m4: QEMU pid \d+/);
    // The agent's job events, as progress lines of the measurement they belong to.
    assert.match(
      c.err(),
      /measuring base of lenet on qemu-m4\n(?:.*\n)*?tinyml-gate: {3}upload 100%\n/,
    );
    assert.match(c.err(), /^tinyml-gate: {3}invoking: 0 warm-up and 3 timed inference\(s\)$/m);
    assert.ok(seconds < 60, `took ${seconds} s`);
  },
);
