// Loopback unless configured: `tinyml-agent serve` with no --host binds 127.0.0.1 only (the
// machine's other address is refused), with --host 0.0.0.0 it answers there too, still
// only with the token, and says so in a warning. (The in-process default, 401s and the
// closed job body: test/agent/api.test.ts.)
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_VIRTUAL, TOKEN, emulated, inventory, virtualBoard } from './agent-fixtures.ts';
import { startAgent } from './agent-process.ts';

const program = virtualBoard();
const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
const skip =
  program === null
    ? NO_VIRTUAL
    : external === undefined
      ? 'no non-loopback IPv4 interface to try'
      : false;

function get(host: string, port: number, auth?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        path: '/v1/boards',
        headers: auth ? { authorization: auth } : {},
        timeout: 5000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

test(
  'serve binds loopback only by default; --host 0.0.0.0 opens it, token still required, with a warning',
  { skip, timeout: 90_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-sec-'));
    writeFileSync(
      join(dir, 'boards.json'),
      JSON.stringify(inventory(emulated('vb', 'mps2-an386'))),
    );
    writeFileSync(join(dir, 'token'), TOKEN, { mode: 0o600 });
    const host = external as string;
    try {
      const local = await startAgent(dir, ['--virtual-board', program as string]);
      try {
        assert.equal(await get('127.0.0.1', local.port, `Bearer ${TOKEN}`), 200);
        await assert.rejects(get(host, local.port, `Bearer ${TOKEN}`), /ECONNREFUSED/);
        assert.doesNotMatch(local.log(), /warning: listening on/);
      } finally {
        await stop(local.child);
      }
      const open = await startAgent(dir, [
        '--virtual-board',
        program as string,
        '--host',
        '0.0.0.0',
      ]);
      try {
        assert.equal(await get(host, open.port, `Bearer ${TOKEN}`), 200);
        assert.equal(await get(host, open.port), 401);
        assert.equal(await get(host, open.port, 'Bearer not-the-token-at-all'), 401);
        assert.match(open.log(), /warning: listening on 0\.0\.0\.0, reachable from other machines/);
      } finally {
        await stop(open.child);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
