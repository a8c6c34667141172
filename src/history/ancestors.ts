// The commits before a base commit, nearest first, read from the user's checkout (the
// only place that has the project's commit graph; the data branch has none of it), and
// the adapter the pipeline takes for its history baseline.
import type { ResultDocument } from '../schema/result-types.ts';
import { gitError, gitRunner } from './git.ts';
import { checkSha } from './layout.ts';
import type { HistoryStore } from './store.ts';

export interface AncestorOptions {
  /** Commits to look at, the commit itself included; default 200. */
  maxCount?: number;
  /**
   * Follow first parents only (default true): the base branch's own commits, which are the
   * ones its pushes recorded, not the inside of merged feature branches.
   */
  firstParent?: boolean;
}

/**
 * `sha` and its ancestors, nearest first (`git rev-list`). A shallow clone (actions/checkout
 * defaults to depth 1) ends the list early: check out with fetch-depth: 0 to walk history.
 */
export async function ancestorsOf(
  repoDir: string,
  sha: string,
  opts: AncestorOptions = {},
): Promise<string[]> {
  checkSha(sha);
  // The user's repository: their global configuration (safe.directory) must apply.
  const git = gitRunner({ isolated: false });
  const args = ['rev-list', `--max-count=${opts.maxCount ?? 200}`];
  if (opts.firstParent ?? true) args.push('--first-parent');
  try {
    const out = await git([...args, sha, '--'], { cwd: repoDir });
    return out.split('\n').filter((l) => l !== '');
  } catch (e) {
    throw gitError(`listing the ancestors of ${sha} in ${repoDir}`, e);
  }
}

/** What runPipeline's `history` option expects. */
export interface PipelineHistory {
  find(sha: string, model: string, board: string): Promise<ResultDocument | null>;
  ancestors(sha: string): Promise<string[]>;
}

export function pipelineHistory(
  store: HistoryStore,
  repoDir: string,
  opts: AncestorOptions = {},
): PipelineHistory {
  return {
    find: (sha, model, board) => store.find(sha, model, board),
    ancestors: (sha) => ancestorsOf(repoDir, sha, opts),
  };
}
