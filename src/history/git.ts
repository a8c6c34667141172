// git through execFile (no shell: branch names, paths and refs are single arguments),
// with a fixed environment: no prompts, no user or system configuration that could
// change what plumbing writes, an optional index file, and the token of an https
// remote passed as a header in GIT_CONFIG_* variables (never in a URL, never in argv,
// redacted from every message).
import { execFile } from 'node:child_process';
import { HistoryError, messageOf } from './errors.ts';

const MAX_BUFFER = 64 * 1024 * 1024;

export interface GitRunner {
  /** Runs git in dir; resolves stdout (utf8), rejects GitFailure. */
  (
    args: readonly string[],
    opts?: { input?: string; index?: string; cwd?: string },
  ): Promise<string>;
}

/** A failed git command: exit code and stderr kept for the caller to classify. */
export class GitFailure extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(
      `git ${args[0] ?? ''} failed (exit ${exitCode}): ${stderr.split('\n').find((l) => l.trim() !== '') ?? ''}`,
    );
    this.name = 'GitFailure';
  }
}

export interface GitEnvOptions {
  /** The git directory (a bare repository); commands run with GIT_DIR set to it. */
  gitDir?: string;
  /** Sent as HTTP basic auth (x-access-token) to https remotes. */
  token?: string;
  author?: { name: string; email: string };
  /**
   * Ignore the user's global git configuration (default true). Off for commands in the
   * user's own checkout, where the global configuration may hold safe.directory.
   */
  isolated?: boolean;
}

/** A git runner bound to one repository and environment. */
export function gitRunner(opts: GitEnvOptions): GitRunner {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // tmp clones live in the system temp dir; TMPDIR is what git itself uses for packs.
    TMPDIR: process.env.TMPDIR,
    LANG: 'C',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: opts.author?.name ?? 'github-actions[bot]',
    GIT_AUTHOR_EMAIL: opts.author?.email ?? '41898282+github-actions[bot]@users.noreply.github.com',
  };
  if (opts.isolated ?? true) {
    env.GIT_CONFIG_NOSYSTEM = '1';
    env.GIT_CONFIG_GLOBAL = '/dev/null';
  }
  env.GIT_COMMITTER_NAME = env.GIT_AUTHOR_NAME;
  env.GIT_COMMITTER_EMAIL = env.GIT_AUTHOR_EMAIL;
  if (opts.gitDir !== undefined) env.GIT_DIR = opts.gitDir;
  const secrets: string[] = [];
  if (opts.token !== undefined && opts.token !== '') {
    const basic = Buffer.from(`x-access-token:${opts.token}`).toString('base64');
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = 'http.extraheader';
    env.GIT_CONFIG_VALUE_0 = `AUTHORIZATION: basic ${basic}`;
    secrets.push(opts.token, basic);
  }
  const redact = (s: string): string => secrets.reduce((acc, x) => acc.split(x).join('***'), s);
  return (args, o = {}) =>
    new Promise((resolve, reject) => {
      const child = execFile(
        'git',
        [...args],
        {
          cwd: o.cwd,
          env: o.index === undefined ? env : { ...env, GIT_INDEX_FILE: o.index },
          maxBuffer: MAX_BUFFER,
          encoding: 'utf8',
          windowsHide: true,
        },
        (err, stdout, stderr) => {
          if (err === null) {
            resolve(stdout);
            return;
          }
          const code = typeof err.code === 'number' ? err.code : null;
          reject(new GitFailure(args, code, redact(stderr || messageOf(err))));
        },
      );
      if (o.input !== undefined) child.stdin?.end(o.input);
    });
}

/** A GitFailure (or anything) as a HistoryError saying what was being done. */
export function gitError(what: string, e: unknown): HistoryError {
  if (e instanceof HistoryError) return e;
  return new HistoryError('git-failed', `${what}: ${messageOf(e)}`, { cause: e });
}
