// The few git questions the pipeline asks, through execFile (no shell: refs and paths
// come from a configuration and an event payload, and are passed as single arguments).
import { execFile } from 'node:child_process';
import { PipelineError, messageOf } from './errors.ts';

const MAX_BUFFER = 256 * 1024 * 1024; // a model blob may be a few MB; bound it anyway

interface GitOutput {
  stdout: Buffer;
  stderr: string;
}

function git(cwd: string, args: readonly string[]): Promise<GitOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      { cwd, encoding: 'buffer', maxBuffer: MAX_BUFFER, windowsHide: true },
      (err, stdout, stderr) => {
        const out = { stdout, stderr: stderr.toString('utf8').trim() };
        if (err) reject(Object.assign(err, out));
        else resolve(out);
      },
    );
  });
}

function stderrOf(e: unknown): string {
  const s = (e as { stderr?: unknown } | null)?.stderr;
  return typeof s === 'string' && s !== '' ? s.split('\n')[0] : messageOf(e);
}

/** The top of the work tree holding `dir`; throws not-a-repo. */
export async function repoTop(dir: string): Promise<string> {
  try {
    return (await git(dir, ['rev-parse', '--show-toplevel'])).stdout.toString('utf8').trim();
  } catch (e) {
    throw new PipelineError('not-a-repo', `${dir}: not inside a git work tree (${stderrOf(e)})`);
  }
}

/** The full commit id of `ref`; throws bad-ref naming the ref. */
export async function commitOf(dir: string, ref: string): Promise<string> {
  // `--end-of-options` keeps a ref that starts with '-' from being read as an option.
  try {
    const out = await git(dir, ['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`]);
    return out.stdout.toString('utf8').trim();
  } catch (e) {
    throw new PipelineError(
      'bad-ref',
      `git ref ${JSON.stringify(ref)} is not a commit in ${dir} (${stderrOf(e)})`,
    );
  }
}

/** The best common ancestor of two commits, or null when they share no history. */
export async function mergeBase(dir: string, a: string, b: string): Promise<string | null> {
  try {
    return (await git(dir, ['merge-base', a, b])).stdout.toString('utf8').trim();
  } catch (e) {
    // Exit 1: no common ancestor. Anything else is a real failure.
    if ((e as { code?: unknown }).code === 1) return null;
    throw new PipelineError('git-failed', `git merge-base ${a} ${b} failed: ${stderrOf(e)}`);
  }
}

/**
 * The bytes of `file` (relative to `dir`) at commit `sha`, or null when the commit has
 * no such file. `./` makes the path relative to dir, not to the top of the repository.
 */
export async function fileAt(dir: string, sha: string, file: string): Promise<Uint8Array | null> {
  const spec = `${sha}:./${file.replace(/^\.\//, '')}`;
  try {
    // cat-file -e first: tells "no such path" (exit 128 from show, indistinguishable) apart.
    await git(dir, ['cat-file', '-e', spec]);
  } catch {
    return null;
  }
  try {
    return new Uint8Array((await git(dir, ['cat-file', 'blob', spec])).stdout);
  } catch (e) {
    throw new PipelineError('git-failed', `git cat-file blob ${spec} failed: ${stderrOf(e)}`);
  }
}
