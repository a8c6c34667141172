// One write to the data branch as a commit object, built with plumbing on a private
// index file: the tip's tree, plus the result files, the merged index.json and the
// dashboard. Nothing of the tip is dropped: read-tree starts from all of it.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DASHBOARD_PATH, dashboardHtml } from './dashboard.ts';
import { GitFailure, gitError, type GitRunner } from './git.ts';
import { INDEX_PATH, mergeIndex, type IndexEntry } from './layout.ts';

export interface CommitInput {
  /** The private git directory (for the temporary index file). */
  dir: string;
  branch: string;
  /** The parent; null for the branch's first commit. */
  tip: string | null;
  /** Path on the branch -> content. */
  files: Map<string, string>;
  entries: IndexEntry[];
  message: string;
}

/** The new commit's id (not yet on any branch). */
export async function commitOnTip(git: GitRunner, c: CommitInput): Promise<string> {
  const index = join(c.dir, `index-${randomBytes(6).toString('hex')}`);
  try {
    await git(c.tip === null ? ['read-tree', '--empty'] : ['read-tree', c.tip], { index });
    const all = new Map(c.files);
    const old = c.tip === null ? null : await indexAt(git, c.tip);
    all.set(INDEX_PATH, mergeIndex(old, `${c.branch}:${INDEX_PATH}`, c.entries));
    all.set(DASHBOARD_PATH, dashboardHtml());
    const lines: string[] = [];
    for (const [path, text] of all) {
      const blob = (await git(['hash-object', '-w', '--stdin'], { input: text })).trim();
      lines.push(`100644 ${blob}\t${path}`);
    }
    await git(['update-index', '--add', '--index-info'], { index, input: `${lines.join('\n')}\n` });
    const tree = (await git(['write-tree'], { index })).trim();
    const parents = c.tip === null ? [] : ['-p', c.tip];
    return (await git(['commit-tree', tree, ...parents, '-m', c.message])).trim();
  } catch (e) {
    throw gitError(`preparing the commit for ${c.branch}`, e);
  } finally {
    await rm(index, { force: true });
  }
}

/**
 * index.json at tip, or null when the tip has none. Only a missing file reads as null: any
 * other failure is thrown, since a fresh index would drop every row the branch had.
 */
async function indexAt(git: GitRunner, tip: string): Promise<string | null> {
  const listed = await git(['ls-tree', '--name-only', tip, '--', INDEX_PATH]);
  if (listed.trim() === '') return null;
  try {
    return await git(['cat-file', 'blob', `${tip}:${INDEX_PATH}`]);
  } catch (e) {
    if (e instanceof GitFailure) throw gitError(`reading ${INDEX_PATH} at ${tip}`, e);
    throw e;
  }
}
