// The sticky comment: one per pull request and configuration, found again by a hidden
// marker at the start of its body, updated in place on every run. Two runs racing on
// the same pull request (two pushes in quick succession, a matrix) can both find no
// comment and both create one; the loser notices on a second listing, moves its body
// into the oldest marked comment and deletes its own, so one comment remains.
import { createHash } from 'node:crypto';
import { apiError, type GitHubClient } from './client.ts';
import { GitHubError } from './errors.ts';

/** GitHub's limit on a comment body, in characters. */
export const MAX_COMMENT_CHARS = 65_536;

const MARKER_RE = /^<!-- tinyml-gate:config=[0-9a-f]{12} -->$/;

/**
 * The marker of a configuration: a hidden HTML comment carrying a hash of its key
 * (the configuration path relative to the repository root, plus a name when one
 * repository runs the same configuration in several workflows), so each configuration
 * keeps its own comment and a path reveals nothing in the page source.
 */
export function commentMarker(configKey: string): string {
  const key = configKey.replace(/\\/g, '/').replace(/^\.\//, '');
  const id = createHash('sha256').update(key).digest('hex').slice(0, 12);
  return `<!-- tinyml-gate:config=${id} -->`;
}

export interface UpsertOptions {
  owner: string;
  repo: string;
  /** Pull request (or issue) number. */
  issueNumber: number;
  /** From commentMarker(); the body must start with it (render() puts it first). */
  marker: string;
  body: string;
}

export interface UpsertResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
  url: string;
  /** Marked comments deleted because a concurrent run had created a second one. */
  removedDuplicates: number[];
}

interface Comment {
  id: number;
  body?: string | null;
  html_url: string;
}

/** Creates the marked comment, or updates the one that exists; never leaves two. */
export async function upsertComment(
  client: GitHubClient,
  opts: UpsertOptions,
): Promise<UpsertResult> {
  checkBody(opts);
  const where = `${opts.owner}/${opts.repo}#${opts.issueNumber}`;
  const existing = await findMarked(client, opts, where);
  if (existing.length === 0) {
    const created = await createComment(client, opts, where);
    // A second listing closes the race window between listing and creating.
    const after = await findMarked(client, opts, where);
    const keep = after[0];
    if (keep === undefined || keep.id === created.id) {
      return { action: 'created', id: created.id, url: created.html_url, removedDuplicates: [] };
    }
    const updated = await updateComment(client, opts, keep.id, where);
    // Ours is the younger duplicate: the run that created the older one sees only its own.
    await deleteComment(client, opts, created.id, where);
    return {
      action: 'updated',
      id: keep.id,
      url: updated.html_url,
      removedDuplicates: [created.id],
    };
  }
  // The oldest marked comment is the sticky one. Younger ones come from a race whose
  // loser did not get to clean up (a cancelled job): removed here, so one remains.
  const [keep, ...extra] = existing;
  const removed = extra.map((c) => c.id);
  for (const id of removed) await deleteComment(client, opts, id, where);
  if (keep.body === opts.body) {
    return { action: 'unchanged', id: keep.id, url: keep.html_url, removedDuplicates: removed };
  }
  const updated = await updateComment(client, opts, keep.id, where);
  return { action: 'updated', id: keep.id, url: updated.html_url, removedDuplicates: removed };
}

/** The comments that start with the marker, oldest first (every page, 100 per page). */
export async function findMarked(
  client: GitHubClient,
  opts: Pick<UpsertOptions, 'owner' | 'repo' | 'issueNumber' | 'marker'>,
  where = `${opts.owner}/${opts.repo}#${opts.issueNumber}`,
): Promise<Comment[]> {
  let all: Comment[];
  try {
    all = await client.paginate(client.rest.issues.listComments, {
      owner: opts.owner,
      repo: opts.repo,
      issue_number: opts.issueNumber,
      per_page: 100,
    });
  } catch (e) {
    throw apiError(`listing the comments of ${where}`, e);
  }
  // Start of the body only: a person quoting the comment ("> <!-- ...") is not ours.
  return all.filter((c) => (c.body ?? '').startsWith(opts.marker)).sort((a, b) => a.id - b.id);
}

function checkBody(opts: UpsertOptions): void {
  if (!MARKER_RE.test(opts.marker)) {
    throw new GitHubError(
      'bad-marker',
      `marker ${JSON.stringify(opts.marker)} is not one from commentMarker()`,
    );
  }
  if (!opts.body.startsWith(opts.marker)) {
    throw new GitHubError(
      'bad-marker',
      `the comment body does not start with its marker ${opts.marker}`,
    );
  }
  if (opts.body.length > MAX_COMMENT_CHARS) {
    throw new GitHubError(
      'bad-marker',
      `the comment body has ${opts.body.length} characters, past GitHub's ${MAX_COMMENT_CHARS}: render it with maxChars`,
    );
  }
}

async function createComment(
  client: GitHubClient,
  opts: UpsertOptions,
  where: string,
): Promise<Comment> {
  try {
    const res = await client.rest.issues.createComment({
      owner: opts.owner,
      repo: opts.repo,
      issue_number: opts.issueNumber,
      body: opts.body,
    });
    return res.data;
  } catch (e) {
    throw apiError(`creating the comment on ${where}`, e);
  }
}

async function updateComment(
  client: GitHubClient,
  opts: UpsertOptions,
  id: number,
  where: string,
): Promise<Comment> {
  try {
    const res = await client.rest.issues.updateComment({
      owner: opts.owner,
      repo: opts.repo,
      comment_id: id,
      body: opts.body,
    });
    return res.data;
  } catch (e) {
    throw apiError(`updating comment ${id} on ${where}`, e);
  }
}

async function deleteComment(
  client: GitHubClient,
  opts: UpsertOptions,
  id: number,
  where: string,
): Promise<void> {
  try {
    await client.rest.issues.deleteComment({ owner: opts.owner, repo: opts.repo, comment_id: id });
  } catch (e) {
    // Another run cleaning up the same race deleted it first.
    if ((e as { status?: unknown } | null)?.status === 404) return;
    throw apiError(`deleting duplicate comment ${id} on ${where}`, e);
  }
}
