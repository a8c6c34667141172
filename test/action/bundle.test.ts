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
import { createRequire } from 'node:module';
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

    // What the bundle resolves at run time, from dist/index.js as the WASM loader does:
    // the TFLite runtime's package in dist/node_modules, its glue and binaries beside it.
    const fromBundle = createRequire(path.join(root, 'dist/index.js'));
    const pkg = fromBundle.resolve('@tensorflow/tfjs-tflite/package.json');
    assert.equal(pkg, path.join(root, 'dist/node_modules/@tensorflow/tfjs-tflite/package.json'));
    const glue = fromBundle(
      path.join(path.dirname(pkg), 'wasm/tflite_web_api_cc_simd.js'),
    ) as unknown;
    assert.equal(typeof glue, 'function', 'the emscripten factory');
    // serialport's native binding as node-gyp-build finds it for this platform.
    const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } })
      .header;
    if (process.platform === 'linux' && process.arch === 'x64' && header?.glibcVersionRuntime) {
      const file = 'dist/serialport/prebuilds/linux-x64/@serialport+bindings-cpp.glibc.node';
      const binding = fromBundle(path.join(root, file)) as Record<string, unknown>;
      assert.equal(typeof binding.open, 'function');
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
