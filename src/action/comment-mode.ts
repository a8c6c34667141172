// Comment mode: no board, no code of the pull request. The result documents of other jobs
// (downloaded artifacts in results-dir) are compared under the configuration of this
// checkout (the base repository's, on workflow_run: never the fork's) and become the one
// report and the one verdict. Used by the workflow_run half of the fork-safe pair and by
// the gather job of a matrix over boards.
import path from 'node:path';
import { compare } from '../compare/index.ts';
import type { GateContext, GitHubClient } from '../github/index.ts';
import { commentMarker, pullRequestOfRun } from '../github/index.ts';
import { render } from '../report/index.ts';
import { loadConfigFile } from '../schema/load.ts';
import { gather } from './gather.ts';
import type { ActionOptions } from './inputs.ts';
import { notesSection, skippedReport, type Outcome } from './outcome.ts';

export interface CommentDeps {
  repoDir: string;
  log: (line: string) => void;
  /** Needed on workflow_run to find the pull request of a fork's run. */
  client: GitHubClient | null;
}

export async function commentMode(
  ctx: GateContext,
  opts: ActionOptions,
  deps: CommentDeps,
): Promise<Outcome> {
  const config = loadConfigFile(opts.configPath);
  const marker = commentMarker(path.relative(deps.repoDir, opts.configPath));
  const { headSha, pullRequest } = await subject(ctx, deps);
  deps.log(`gathering results of ${headSha.slice(0, 12)} from ${opts.resultsDir}`);
  const g = gather({
    resultsDir: opts.resultsDir,
    config,
    headSha,
    ...(opts.models.length > 0 ? { models: opts.models } : {}),
    ...(opts.boards.length > 0 ? { boards: opts.boards } : {}),
  });
  deps.log(
    `${g.manifests} run manifest(s), ${g.paths.length} result document(s), ${g.pairs.length} model/board pair(s)`,
  );
  for (const n of g.notes) deps.log(`note: ${n}`);
  const comment = pullRequest === null ? 'none' : g.pairs.length === 0 ? 'update' : 'upsert';
  if (g.pairs.length === 0) {
    return {
      verdict: 'skipped',
      marker,
      markdown: skippedReport(marker, g.skipped) + notesSection('Notes', g.notes),
      resultPaths: g.paths,
      pullRequest,
      comment,
    };
  }
  const comparison = compare({ config, pairs: g.pairs });
  const skippedLines = g.skipped.map((s) => `${s.model}: not measured: ${s.reason}`);
  const tail = notesSection('Notes', [...skippedLines, ...g.notes]);
  const body = render(comparison, {
    marker,
    fullResults: 'the artifacts of the measuring jobs',
    maxChars: Math.max(4_000, 65_000 - tail.length),
  });
  return {
    verdict: comparison.verdict,
    marker,
    markdown: body + tail,
    resultPaths: g.paths,
    pullRequest,
    comment,
  };
}

/** The commit being gated and its pull request (null: push or dispatch). */
async function subject(
  ctx: GateContext,
  deps: CommentDeps,
): Promise<{ headSha: string; pullRequest: number | null }> {
  const ev = ctx.event;
  switch (ev.kind) {
    case 'workflow_run': {
      if (deps.client === null) {
        return { headSha: ev.run.headSha, pullRequest: ev.pullRequests[0] ?? null };
      }
      const pr = ev.run.event === 'pull_request' ? await pullRequestOfRun(deps.client, ctx) : null;
      return { headSha: ev.run.headSha, pullRequest: pr };
    }
    case 'pull_request':
      return { headSha: ev.head.sha, pullRequest: ev.number };
    case 'push':
      return { headSha: ev.after, pullRequest: null };
    default:
      return { headSha: ctx.sha, pullRequest: null };
  }
}
