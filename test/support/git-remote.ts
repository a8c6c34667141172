// A local bare repository standing in for the GitHub remote, and a working clone of it
// for making commits (a project with its model files), all in one temp folder. git runs
// through execFileSync with a fixed identity and no user configuration, so tests do not
// depend on the machine's git setup.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const GIT_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  LANG: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
};

export function git(cwd: string, args: string[], input?: string): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', input }).trim();
}

export interface GitRemote {
  /** Temp folder holding everything; removed by cleanup(). */
  root: string;
  /** The bare repository: pass it as the history store's remote. */
  remote: string;
  /** A working clone with `main` checked out. */
  work: string;
  /** Writes the files (paths relative to the clone), commits them on the current branch; the sha. */
  commit(files: Record<string, string | Uint8Array>, message: string): string;
  /** Switches the clone to a new branch from `from` (default the current commit). */
  branch(name: string, from?: string): void;
  checkout(ref: string): void;
  /** Pushes the current branch to the bare remote. */
  push(): void;
  cleanup(): void;
}

export function makeRemote(): GitRemote {
  const root = mkdtempSync(join(tmpdir(), 'tinyml-gate-remote-'));
  const remote = join(root, 'remote.git');
  const work = join(root, 'work');
  git(root, ['init', '--quiet', '--bare', '--initial-branch=main', remote]);
  git(root, ['init', '--quiet', '--initial-branch=main', work]);
  git(work, ['remote', 'add', 'origin', remote]);
  return {
    root,
    remote,
    work,
    commit(files, message) {
      for (const [path, content] of Object.entries(files)) {
        const full = join(work, path);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
        git(work, ['add', '--', path]);
      }
      git(work, ['commit', '--quiet', '--allow-empty', '-m', message]);
      return git(work, ['rev-parse', 'HEAD']);
    },
    branch(name, from) {
      git(work, ['checkout', '--quiet', '-b', name, ...(from === undefined ? [] : [from])]);
    },
    checkout(ref) {
      git(work, ['checkout', '--quiet', ref]);
    },
    push() {
      git(work, ['push', '--quiet', 'origin', 'HEAD']);
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
