// dist/ is committed (action.yml runs dist/index.js and GitHub installs nothing), so it
// must be exactly what scripts/bundle.ts makes from the current sources: rebuild into a
// temporary folder and compare byte for byte. Also: the bundle runs with no node_modules
// in reach, as on a runner that checked the action out.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { bundle, REPO_ROOT } from '../../scripts/bundle.ts';

const run = promisify(execFile);
const DIST = path.join(REPO_ROOT, 'dist');

function files(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    if (statSync(path.join(dir, name)).isDirectory()) out.push(...files(path.join(dir, name), rel));
    else out.push(rel);
  }
  return out;
}

test('dist/ is what scripts/bundle.sh builds from the sources', async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'tinyml-gate-bundle-'));
  try {
    const out = path.join(tmp, 'dist');
    await bundle(out);
    const stale = 'dist/ is stale: run `bash scripts/bundle.sh` and commit dist/';
    assert.ok(existsSync(DIST), `dist/ is missing: ${stale}`);
    const want = files(out);
    const have = files(DIST);
    assert.deepEqual(have, want, `${stale} (the file lists differ)`);
    for (const f of want) {
      const same = readFileSync(path.join(out, f)).equals(readFileSync(path.join(DIST, f)));
      assert.ok(same, `${stale} (dist/${f} differs)`);
    }
    assert.ok(want.includes('index.js'));
    assert.ok(want.includes('node_modules/@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc.wasm'));
    assert.ok(want.some((f) => f.startsWith('serialport/prebuilds/linux-x64/')));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('the bundle loads with no node_modules in reach and names a bad input', async () => {
  // A copy of what a runner checks out of the action: dist/, schemas/, package.json.
  const root = mkdtempSync(path.join(tmpdir(), 'tinyml-gate-action-'));
  try {
    cpSync(DIST, path.join(root, 'dist'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'schemas'), path.join(root, 'schemas'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'package.json'), path.join(root, 'package.json'));
    const env = { PATH: process.env.PATH, 'INPUT_FAIL-ON': 'sometimes' };
    const r = await run(process.execPath, [path.join(root, 'dist/index.js')], {
      env,
      cwd: root,
    }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => e,
    );
    assert.equal(r.code, 1);
    // setFailed prints a workflow command naming the input.
    assert.match(r.stdout, /::error::bad-input: input fail-on: "sometimes" is not one of/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
