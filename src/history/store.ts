// The history store: result documents on a data branch of the repository's remote.
// It works in a private bare repository in the temp folder, with git plumbing
// (hash-object, update-index on a private index file, write-tree, commit-tree, push), so
// the user's checkout, index and branches are never touched. A write is one commit on
// top of the branch tip; when another writer got there first the push is refused, and
// the same files are applied again on the new tip (there is nothing to rebase: writers
// only add files, and index.json is merged row by row), with a jittered back-off.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultDocument } from '../schema/result-types.ts';
import { parseDocumentText } from '../schema/load.ts';
import { validate } from '../schema/validate.ts';
import { commitOnTip } from './commit.ts';
import { HistoryError, messageOf } from './errors.ts';
import { GitFailure, gitError, gitRunner, type GitRunner } from './git.ts';
import {
  RESULTS_DIR,
  checkSha,
  indexEntry,
  resultPath,
  resultPathOf,
  type IndexEntry,
} from './layout.ts';

export const DEFAULT_BRANCH = 'tinyml-gate-data';

export interface HistoryOptions {
  /** The remote: a URL, or the path of a repository (bare or not). */
  remote: string;
  /** Default 'tinyml-gate-data' (the configuration's history.branch). */
  branch?: string;
  /** For an https remote: sent as an HTTP header, never written into a URL or a message. */
  token?: string;
  /** Push attempts before 'push-conflict'; default 8. */
  maxAttempts?: number;
  /** Base of the back-off between attempts, ms; doubled each time, jittered x0.5-1.5, capped at 5 s. Default 100. */
  retryDelayMs?: number;
  /** Commit author; default github-actions[bot]. */
  author?: { name: string; email: string };
  /** Parent folder of the private clone; default the system temp folder. */
  tmpDir?: string;
}

export interface AppendResult {
  /** The commit on the data branch. */
  commit: string;
  /** The result paths written. */
  paths: string[];
  /** Push attempts it took (1 without a race). */
  attempts: number;
}

export interface StoredResult {
  path: string;
  doc: ResultDocument;
}

export class HistoryStore {
  readonly branch: string;
  readonly remote: string;
  private readonly git: GitRunner;
  private readonly dir: string;
  private readonly opts: HistoryOptions;
  private tip: string | null | undefined = undefined;
  private known: { tip: string; shas: Set<string> } | undefined;
  // One operation at a time per store: they share the remote-tracking ref.
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, opts: HistoryOptions) {
    this.dir = dir;
    this.opts = opts;
    this.remote = opts.remote;
    this.branch = opts.branch ?? DEFAULT_BRANCH;
    this.git = gitRunner({ gitDir: dir, token: opts.token, author: opts.author });
  }

  /** Creates the private clone (empty until the first read or write fetches). */
  static async open(opts: HistoryOptions): Promise<HistoryStore> {
    if (opts.remote === '') throw new HistoryError('bad-argument', 'history remote is empty');
    const dir = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'tinyml-gate-history-'));
    const store = new HistoryStore(dir, opts);
    try {
      await store.git(['init', '--quiet', '--bare', dir]);
      // Branch names come from a configuration: git's own rules decide, before any fetch.
      await store.git(['check-ref-format', '--branch', store.branch]);
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      if (e instanceof GitFailure && e.args[0] === 'check-ref-format') {
        throw new HistoryError(
          'bad-argument',
          `history branch ${JSON.stringify(store.branch)} is not a valid branch name`,
        );
      }
      throw gitError(`creating the history clone in ${dir}`, e);
    }
    return store;
  }

  /** Removes the private clone. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * Validates every document, then writes them all in one commit and pushes it, retrying
   * on a race. Nothing is written when one document is invalid.
   */
  append(docs: readonly ResultDocument[], message?: string): Promise<AppendResult> {
    if (docs.length === 0)
      return Promise.reject(new HistoryError('bad-argument', 'nothing to append'));
    const files = new Map<string, string>();
    try {
      for (const doc of docs) {
        const where = `result for ${describe(doc)}`;
        validate('result', doc, where);
        files.set(resultPathOf(doc), `${JSON.stringify(doc, null, 2)}\n`);
      }
    } catch (e) {
      const err =
        e instanceof HistoryError
          ? e
          : new HistoryError('invalid-result', `not recorded: ${messageOf(e)}`, { cause: e });
      return Promise.reject(err);
    }
    const shas = [...new Set(docs.map((d) => d.commit.sha.slice(0, 12)))].join(', ');
    const msg =
      message ?? `tinyml-gate: ${docs.length} result${docs.length === 1 ? '' : 's'} of ${shas}`;
    return this.serial(() => this.appendFiles(files, docs.map(indexEntry), msg));
  }

  /** Every result recorded for a commit. */
  read(sha: string): Promise<StoredResult[]> {
    checkSha(sha);
    return this.serial(async () => {
      const tip = await this.currentTip();
      if (tip === null) return [];
      const paths = (
        await this.run(
          ['ls-tree', '-r', '--name-only', tip, '--', `${RESULTS_DIR}/${sha}/`],
          'listing',
        )
      )
        .split('\n')
        .filter((p) => p.endsWith('.json'));
      const out: StoredResult[] = [];
      for (const path of paths) out.push({ path, doc: await this.readDoc(tip, path) });
      return out;
    });
  }

  /** The result of one model on one board at a commit, or null. */
  find(sha: string, model: string, board: string): Promise<ResultDocument | null> {
    const path = resultPath(sha, model, board);
    return this.serial(async () => {
      const tip = await this.currentTip();
      // The pipeline asks commit after commit up the ancestry: a miss costs no process.
      if (tip === null || !(await this.commitsAt(tip)).has(sha)) return null;
      try {
        await this.git(['cat-file', '-e', `${tip}:${path}`]);
      } catch {
        return null;
      }
      return this.readDoc(tip, path);
    });
  }

  /** The commits that have at least one result. */
  commits(): Promise<Set<string>> {
    return this.serial(async () => {
      const tip = await this.currentTip();
      return tip === null ? new Set<string>() : new Set(await this.commitsAt(tip));
    });
  }

  /**
   * The nearest of `ancestors` (nearest first, e.g. from ancestorsOf()) that has results,
   * with them; null when none has.
   */
  async nearest(
    ancestors: readonly string[],
  ): Promise<{ sha: string; results: StoredResult[] } | null> {
    const have = await this.commits();
    const sha = ancestors.find((a) => have.has(a));
    return sha === undefined ? null : { sha, results: await this.read(sha) };
  }

  /** Fetches the branch again on the next read (reads otherwise fetch once per store). */
  refresh(): void {
    this.tip = undefined;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async currentTip(): Promise<string | null> {
    if (this.tip === undefined) this.tip = await this.fetchTip();
    return this.tip;
  }

  /** Fetches the branch; its tip, or null when the remote has no such branch yet. */
  private async fetchTip(): Promise<string | null> {
    const tracking = `refs/remotes/data/${this.branch}`;
    try {
      // Depth 1: a read needs the tip's tree and a write only the tip as parent, so a run
      // costs the size of the data, not of its history.
      await this.git([
        'fetch',
        '--quiet',
        '--no-tags',
        '--depth=1',
        '--end-of-options',
        this.remote,
        `+refs/heads/${this.branch}:${tracking}`,
      ]);
    } catch (e) {
      if (e instanceof GitFailure && /couldn't find remote ref/i.test(e.stderr)) return null;
      throw gitError(`fetching ${this.branch} from ${this.remote}`, e);
    }
    return (await this.run(['rev-parse', '--verify', tracking], 'reading the branch tip')).trim();
  }

  private async appendFiles(
    files: Map<string, string>,
    entries: IndexEntry[],
    message: string,
  ): Promise<AppendResult> {
    const max = this.opts.maxAttempts ?? 8;
    const base = this.opts.retryDelayMs ?? 100;
    for (let attempt = 1; ; attempt++) {
      const tip = await this.fetchTip();
      this.tip = tip;
      const commit = await commitOnTip(this.git, {
        dir: this.dir,
        branch: this.branch,
        tip,
        files,
        entries,
        message,
      });
      try {
        await this.git([
          'push',
          '--quiet',
          '--end-of-options',
          this.remote,
          `${commit}:refs/heads/${this.branch}`,
        ]);
        this.tip = commit;
        return { commit, paths: [...files.keys()], attempts: attempt };
      } catch (e) {
        if (!(e instanceof GitFailure)) throw gitError('pushing', e);
        const raced = RACE_RE.test(e.stderr) || (await this.fetchTip()) !== tip;
        if (!raced) throw gitError(`pushing to ${this.branch} of ${this.remote}`, e);
        if (attempt >= max) {
          throw new HistoryError(
            'push-conflict',
            `pushing to ${this.branch} of ${this.remote}: lost the race to other writers ${attempt} times; nothing was recorded`,
            { cause: e },
          );
        }
        const delay = Math.min(5000, base * 2 ** (attempt - 1)) * (0.5 + Math.random());
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** The commits with results in the tree of tip, listed once per tip. */
  private async commitsAt(tip: string): Promise<Set<string>> {
    if (this.known?.tip !== tip) {
      const out = await this.run(
        ['ls-tree', '--name-only', tip, '--', `${RESULTS_DIR}/`],
        'listing',
      );
      const shas = out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.slice(RESULTS_DIR.length + 1));
      this.known = { tip, shas: new Set(shas) };
    }
    return this.known.shas;
  }

  private async readDoc(tip: string, path: string): Promise<ResultDocument> {
    const source = `${this.branch}:${path}`;
    const text = await this.run(['cat-file', 'blob', `${tip}:${path}`], `reading ${source}`);
    try {
      return parseDocumentText(text, source, 'result', { format: 'json' });
    } catch (e) {
      throw new HistoryError(
        'corrupt-data',
        `${source} is not a valid result document: ${messageOf(e)}`,
        { cause: e },
      );
    }
  }

  private async run(args: string[], what: string): Promise<string> {
    try {
      return await this.git(args);
    } catch (e) {
      throw gitError(`${what} (${this.branch})`, e);
    }
  }
}

// What git says when another writer moved the branch between our fetch and our push
// (a hook's refusal is not one of them: it fails at once as git-failed).
const RACE_RE =
  /\[rejected\]|non-fast-forward|fetch first|cannot lock ref|failed to update ref|incorrect old value/i;

function describe(doc: ResultDocument): string {
  const d = doc as Partial<ResultDocument> | null;
  const model = d?.model?.name ?? '?';
  const board = d?.board?.boardId ?? '?';
  const sha = d?.commit?.sha ?? '?';
  return `${model} on ${board} at ${String(sha).slice(0, 12)}`;
}
