// Builds dist/ for action.yml (runs: node24, main: dist/index.js): one ESM file with every
// JavaScript dependency inside, plus the few runtime files a bundle cannot hold. GitHub
// checks the action out at its ref and runs dist/index.js with no `npm install`, so
// nothing may be resolved from node_modules/ at run time. Decisions (docs/action.md):
// - schemas/, package.json and firmware/ are read from the action's checkout: a module
//   locating a repository file with `new URL('<relative>', import.meta.url)` gets its
//   source file's location, so the same relative path works from sources and from the bundle
//   (the bundle must sit in <root>/dist/).
// - The TFLite WASM runtime (host accuracy) is resolved by the loader through
//   require.resolve('@tensorflow/tfjs-tflite/package.json') from dist/index.js: the two
//   non-threaded builds are copied to dist/node_modules/@tensorflow/tfjs-tflite/.
// - serialport's native binding (real boards and QEMU's pseudo-terminals) is loaded by
//   node-gyp-build from a folder; its prebuilds are copied to dist/serialport/prebuilds/.
// - @tensorflow/tfjs-node is optional and loaded by a variable specifier: never bundled.
// The output is deterministic, so test/action/bundle.test.ts can rebuild into a temporary
// folder and compare it with dist/ byte for byte.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export class BundleError extends Error {
  readonly code: 'pattern-missing' | 'build-failed';
  constructor(code: BundleError['code'], message: string) {
    super(message);
    this.name = 'BundleError';
    this.code = code;
  }
}

// Top of dist/index.js: CommonJS dependencies call require() (esbuild's shim needs a real
// one in an ESM file), and the serialport binding is looked up beside the bundle.
const BANNER = [
  "import { createRequire as __tgCreateRequire } from 'node:module';",
  "import { fileURLToPath as __tgFileURLToPath } from 'node:url';",
  'const require = __tgCreateRequire(import.meta.url);',
  'const __tgDistDir = __tgFileURLToPath(new URL(".", import.meta.url));',
].join('\n');

const REPO_URL = /new URL\(\s*('[^']*'|"[^"]*")\s*,\s*import\.meta\.url\s*\)/g;

/** Repository-relative lookups in our sources resolve as from the source file. */
function repoUrls(): Plugin {
  return {
    name: 'repo-urls',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const rel = relative(REPO_ROOT, args.path);
        if (rel.startsWith('..') || rel.split(sep).includes('node_modules')) return undefined;
        const text = readFileSync(args.path, 'utf8');
        const at = JSON.stringify(`../${rel.split(sep).join('/')}`);
        const contents = text.replace(REPO_URL, (_m, lit: string) => {
          return `new URL(${lit}, new URL(${at}, import.meta.url))`;
        });
        return { contents, loader: 'ts' };
      });
    },
  };
}

const BINDING_DIR = "(0, path_1.join)(__dirname, '../')";

/** node-gyp-build looks for the serialport binding in dist/serialport/ (prebuilds/<platform>). */
function serialportBinding(): Plugin {
  return {
    name: 'serialport-binding',
    setup(b) {
      b.onLoad({ filter: /bindings-cpp[\\/]dist[\\/]serialport-bindings\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes(BINDING_DIR)) {
          const why = `${args.path} no longer contains ${BINDING_DIR}: update scripts/bundle.ts`;
          throw new BundleError('pattern-missing', why);
        }
        const contents = text.replace(BINDING_DIR, "(0, path_1.join)(__tgDistDir, 'serialport')");
        return { contents, loader: 'js' };
      });
    },
  };
}

const WASM_FILES = [
  'tflite_web_api_cc.js',
  'tflite_web_api_cc.wasm',
  'tflite_web_api_cc_simd.js',
  'tflite_web_api_cc_simd.wasm',
];

/** Writes the bundle and its runtime files into outDir (emptied first). */
export async function bundle(
  outDir: string,
  entry = join(REPO_ROOT, 'src/action/index.ts'),
): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    outfile: join(outDir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: BANNER },
    external: ['@tensorflow/tfjs-node'],
    plugins: [repoUrls(), serialportBinding()],
    legalComments: 'none',
    logLevel: 'silent',
    // Absolute paths would make the bundle differ between checkouts; so would the real
    // path of a symlinked node_modules/ in the module comments.
    sourcemap: false,
    preserveSymlinks: true,
    metafile: false,
  });
  if (result.errors.length > 0) {
    throw new BundleError('build-failed', result.errors.map((e) => e.text).join('\n'));
  }
  const require = createRequire(join(REPO_ROOT, 'package.json'));

  const tflite = dirname(require.resolve('@tensorflow/tfjs-tflite/package.json'));
  const tfliteOut = join(outDir, 'node_modules/@tensorflow/tfjs-tflite');
  mkdirSync(join(tfliteOut, 'wasm'), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(tflite, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    license?: string;
  };
  const stub = { name: pkg.name, version: pkg.version, license: pkg.license, private: true };
  writeFileSync(join(tfliteOut, 'package.json'), `${JSON.stringify(stub, null, 2)}\n`);
  for (const f of WASM_FILES) cpSync(join(tflite, 'wasm', f), join(tfliteOut, 'wasm', f));

  const serialport = dirname(require.resolve('@serialport/bindings-cpp/package.json'));
  cpSync(join(serialport, 'prebuilds'), join(outDir, 'serialport/prebuilds'), { recursive: true });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(REPO_ROOT, 'dist'));
  await bundle(out);
  process.stderr.write(`bundle: wrote ${out}\n`);
}
