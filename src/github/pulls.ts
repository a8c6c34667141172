// The pull request a workflow_run belongs to. GitHub lists it in
// workflow_run.pull_requests only when the head branch is in the same repository; for a
// fork the list is empty, so the open pull requests are searched for the run's head
// (owner:branch) and the head commit must match.
import { apiError, type GitHubClient } from './client.ts';
import type { GateContext } from './context.ts';
import { GitHubError } from './errors.ts';

/** The pull request number of a workflow_run context; throws no-pull-request. */
export async function pullRequestOfRun(client: GitHubClient, ctx: GateContext): Promise<number> {
  const ev = ctx.event;
  if (ev.kind !== 'workflow_run') {
    if (ev.kind === 'pull_request') return ev.number;
    throw new GitHubError('no-pull-request', `a ${ctx.eventName} event has no pull request`);
  }
  const linked = ev.pullRequests[0];
  if (linked !== undefined) return linked;
  const { headRepo, headBranch, headSha, id } = ev.run;
  if (headRepo === null || headBranch === null) {
    throw new GitHubError(
      'no-pull-request',
      `workflow run ${id}: the head repository or branch is gone`,
    );
  }
  const owner = headRepo.split('/')[0];
  let pulls: { number: number; head: { sha: string } }[];
  try {
    pulls = await client.paginate(client.rest.pulls.list, {
      owner: ctx.repo.owner,
      repo: ctx.repo.repo,
      state: 'open',
      head: `${owner}:${headBranch}`,
      per_page: 100,
    });
  } catch (e) {
    throw apiError(`finding the pull request of workflow run ${id} (${owner}:${headBranch})`, e);
  }
  const match = pulls.find((p) => p.head.sha === headSha);
  if (match === undefined) {
    throw new GitHubError(
      'no-pull-request',
      `workflow run ${id}: no open pull request of ${ctx.repo.fullName} has head ${owner}:${headBranch} at ${headSha}`,
    );
  }
  return match.number;
}
