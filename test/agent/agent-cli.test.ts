// tinyml-agent's CLI: bench in-process on QEMU (text and --json), its argument errors,
// and `boards` against a served agent.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApi } from '../../runner-agent/api/server.ts';
import { boardFactory } from '../../runner-agent/boards/factory.ts';
import { main } from '../../runner-agent/cli.ts';
import { Agent } from '../../runner-agent/jobs/manager.ts';
import type { ResultDocument } from '../../src/schema/result-types.ts';
import { isValid } from '../../src/schema/validate.ts';
import { LENET, TOKEN, emulated, hasQemu, inventory } from './agent-fixtures.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

test(
  'bench --json on qemu-m4 in-process prints a valid result document',
  { skip: hasQemu() ? false : 'qemu-system-arm not installed', timeout: 300_000 },
  async () => {
    const c = capture();
    const status = await main(
      ['bench', '--board', 'qemu-m4', '--model', LENET, '--repeats', '2', '--json'],
      c.io,
    );
    assert.equal(status, 0, c.err.join('\n'));
    const doc = JSON.parse(c.out.join('\n')) as ResultDocument;
    assert.ok(isValid('result', doc));
    assert.equal(doc.board.boardId, 'qemu-m4');
    assert.equal(doc.totals.ticks.n, 2);
    const t = capture();
    assert.equal(
      await main(['bench', '--board', 'cortex-m3', '--model', LENET, '--repeats', '1'], t.io),
      0,
      t.err.join('\n'),
    );
    const text = t.out.join('\n');
    assert.match(text, /^lenet_int8\.tflite on qemu-m3 \(cortex-m3, ref kernels/);
    assert.match(text, /total {2}\d+ instructions \(n=1/);
    assert.match(text, /note: emulated on QEMU mps2-an385/);
  },
);

test('argument errors: exit status and a coded message', async () => {
  const c = capture();
  assert.equal(await main(['bench', '--model', LENET], c.io), 1);
  assert.match(c.err.join('\n'), /needs --board ID and --model M/);
  const d = capture();
  assert.equal(
    await main(['bench', '--board', 'x', '--model', LENET, '--repeats', 'many'], d.io),
    1,
  );
  assert.match(d.err.join('\n'), /--repeats must be a whole number/);
  const e = capture();
  assert.equal(await main(['frobnicate'], e.io), 2);
  const f = capture();
  assert.equal(await main(['bench', '--board', 'nope', '--model', LENET], f.io), 1);
  assert.match(f.err.join('\n'), /^tinyml-agent: unknown-board: no board with id or label "nope"/);
});

test('boards asks a running agent (token from a file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-cli-'));
  const agent = new Agent({
    inventory: inventory(emulated('qemu-x', 'mps2-an386', ['emulated'])),
    stateFile: null,
    createBoard: boardFactory({}),
  });
  const api = await startApi({ agent, token: TOKEN });
  try {
    writeFileSync(join(dir, 'token'), TOKEN + '\n');
    const c = capture();
    assert.equal(
      await main(
        ['boards', '--url', api.address, '--token-file', join(dir, 'token'), '--json'],
        c.io,
      ),
      0,
      c.err.join('\n'),
    );
    const { boards } = JSON.parse(c.out.join('\n')) as { boards: { id: string; state: string }[] };
    assert.deepEqual(
      boards.map((b) => [b.id, b.state]),
      [['qemu-x', 'idle']],
    );
    writeFileSync(join(dir, 'bad'), 'not-the-token-at-all\n');
    const d = capture();
    assert.equal(
      await main(['boards', '--url', api.address, '--token-file', join(dir, 'bad')], d.io),
      1,
    );
    assert.match(d.err.join('\n'), /unauthorized/);
  } finally {
    await api.close();
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
