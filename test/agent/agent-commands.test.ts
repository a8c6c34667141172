// Flash and reset commands of real boards: only the inventory's argv runs, with
// placeholders replaced as single arguments (no shell ever sees them), a timeout, and
// errors that name the board and the command.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBoardCommand, substitute } from '../../runner-agent/boards/commands.ts';
import { AgentError } from '../../runner-agent/jobs/errors.ts';
import type { RealBoard } from '../../src/schema/boards-types.ts';
import { findProblems } from '../../src/schema/validate.ts';

function board(dir: string, flash: string[], reset: string[], timeoutS = 30): RealBoard {
  return {
    id: 'nucleo-1',
    kind: 'real',
    core: 'cortex-m4',
    clockHz: 80_000_000,
    // A path full of shell syntax: it must arrive as one literal argument.
    serial: { path: `${dir}/tty; touch ${dir}/pwned $(touch ${dir}/pwned2)`, baud: 115200 },
    flash: { command: flash, timeoutS },
    reset: { command: reset, timeoutS },
    labels: [],
  };
}

/** A program that writes its argv (JSON) to a file: what the agent really ran. */
function recorder(dir: string): string[] {
  const script = join(dir, 'record.mjs');
  writeFileSync(
    script,
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(join(dir, 'argv.json'))}, JSON.stringify(process.argv.slice(2)));\n`,
  );
  return [process.execPath, script];
}

test('placeholders: each known one replaced, {{ }} literal, anything else refused', () => {
  const v = { image: '/fw/a b.elf', serial: '/dev/ttyACM0', id: 'n1' };
  assert.equal(substitute('program {image} verify', v, 'w'), 'program /fw/a b.elf verify');
  assert.equal(substitute('{{x}}-{id}', v, 'w'), '{x}-n1');
  assert.throws(
    () => substitute('{imageHex}', v, 'w'),
    (e: unknown) => e instanceof AgentError && e.code === 'command-failed',
  );
  assert.throws(() => substitute('{shell}', v, 'w'), /stray "\{"/);
});

test('the flash command runs as the inventory gives it, placeholders as single arguments', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-cmd-'));
  try {
    const b = board(
      dir,
      [...recorder(dir), 'program', '{image}', '--serial={serial}', '{id}', '{{literal}}'],
      ['true'],
    );
    assert.deepEqual(
      findProblems('boards', { schemaVersion: 1, boards: [b] }),
      [],
      'a valid inventory entry',
    );
    const r = await runBoardCommand(b, 'flash', { image: `${dir}/fw.elf` });
    const argv = JSON.parse(readFileSync(join(dir, 'argv.json'), 'utf8')) as string[];
    assert.deepEqual(argv, [
      'program',
      `${dir}/fw.elf`,
      `--serial=${b.serial.path}`,
      'nucleo-1',
      '{literal}',
    ]);
    assert.deepEqual(r.argv.slice(2), argv);
    assert.equal(existsSync(join(dir, 'pwned')), false, 'no shell interpreted the serial path');
    assert.equal(existsSync(join(dir, 'pwned2')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a command that fails or overruns its timeout is a command-failed error naming the board', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-cmd-'));
  try {
    const failing = board(dir, ['true', '{image}'], [process.execPath, '-e', 'process.exit(3)']);
    await assert.rejects(
      runBoardCommand(failing, 'reset', {}),
      (e: unknown) =>
        e instanceof AgentError &&
        e.code === 'command-failed' &&
        e.boardFault &&
        /board nucleo-1: reset command .*exit status 3/.test(e.message),
    );
    const slow = board(
      dir,
      ['true', '{image}'],
      [process.execPath, '-e', 'setTimeout(() => {{}}, 30000)'],
      0.3,
    );
    const t0 = Date.now();
    await assert.rejects(runBoardCommand(slow, 'reset', {}), /killed after 300 ms/);
    assert.ok(Date.now() - t0 < 5000);
    const missing = board(dir, ['true', '{image}'], [join(dir, 'no-such-program')]);
    await assert.rejects(
      runBoardCommand(missing, 'reset', {}),
      (e: unknown) => e instanceof AgentError && e.code === 'command-failed',
    );
    // {image} with no image configured: refused before anything runs.
    await assert.rejects(runBoardCommand(failing, 'flash', {}), /\{image\} has no value/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
