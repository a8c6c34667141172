// Measure mode: what the action does on each event it runs on.
// - pull_request: refuse a fork's code on the hardware runner unless a maintainer allowed
//   it, then measure what the pull request changed (head against the merge base).
// - push: measure what the push changed (against `before`); on the default branch the
//   head results go to the history branch. No comment.
// - workflow_dispatch: measure the commit; report to the job summary only.
// Every case leaves the result documents and a run manifest in results-dir, so the same
// folder can be uploaded as an artifact for comment mode.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { GateContext } from '../github/index.ts';
import { commentMarker, forkDecision } from '../github/index.ts';
import { runPipeline, type HistoryStore, type PipelineResult } from '../pipeline/index.ts';
import { openBench } from './bench.ts';
import type { ActionOptions } from './inputs.ts';
import { failedManifest, manifestOf, writeManifest, type ManifestContext } from './manifest.ts';
import { refusedReport, skippedReport, type Outcome } from './outcome.ts';

const git = promisify(execFile);

export class MeasureError extends Error {
  readonly code: 'wrong-event';
  constructor(code: MeasureError['code'], message: string) {
    super(message);
    this.name = 'MeasureError';
    this.code = code;
  }
}

export interface MeasureDeps {
  repoDir: string;
  log: (line: string) => void;
  /** The history branch for baselines (null: none, e.g. no token). */
  history: HistoryStore | null;
  /** Stores head results of a push to the default branch; returns what it wrote. */
  record: ((run: PipelineResult, ctx: GateContext) => Promise<string>) | null;
}

interface Target {
  headRef: string;
  baseRef?: string;
  pullRequest: number | null;
  comment: boolean;
  recordHistory: boolean;
}

export async function measureMode(
  ctx: GateContext,
  opts: ActionOptions,
  deps: MeasureDeps,
): Promise<Outcome> {
  const marker = commentMarker(path.relative(deps.repoDir, opts.configPath));
  const ev = ctx.event;
  if (ev.kind === 'workflow_run') {
    const why = 'a workflow_run event carries no code to measure: use mode: comment there';
    throw new MeasureError('wrong-event', why);
  }
  if (ev.kind === 'pull_request') {
    // In-process emulated boards on a GitHub-hosted runner reach nothing of ours.
    const hosted =
      opts.agent.kind === 'inprocess' && process.env.RUNNER_ENVIRONMENT === 'github-hosted';
    const d = forkDecision(ctx, { hardware: !hosted });
    deps.log(`fork check: ${d.reason}`);
    if (!d.allowed) {
      return {
        verdict: 'refused',
        marker,
        markdown: refusedReport(marker, d.reason),
        resultPaths: [],
        pullRequest: ev.number,
        comment: 'update',
      };
    }
  }
  if (ev.kind === 'push' && ev.deleted) {
    return {
      verdict: 'skipped',
      marker,
      markdown: skippedReport(marker, [{ model: '(all)', reason: `${ev.ref} was deleted` }]),
      resultPaths: [],
      pullRequest: null,
      comment: 'none',
    };
  }
  const t = await target(ctx, deps);
  const mctx: ManifestContext = {
    repository: ctx.repo.fullName,
    event: ctx.eventName,
    pullRequest: t.pullRequest,
    headSha: t.headRef,
    baseSha: t.baseRef ?? null,
    models: opts.models,
    boards: opts.boards,
  };
  const bench = openBench(opts.agent, deps.log);
  let run: PipelineResult;
  try {
    run = await runPipeline({
      configPath: opts.configPath,
      repoDir: deps.repoDir,
      headRef: t.headRef,
      ...(t.baseRef !== undefined ? { baseRef: t.baseRef } : {}),
      bench: bench.bench,
      ...(deps.history !== null ? { history: deps.history } : {}),
      ...(opts.boards.length > 0 ? { boards: opts.boards } : {}),
      ...(opts.models.length > 0 ? { models: opts.models } : {}),
      ...(opts.baseline !== undefined ? { baselineMode: opts.baseline } : {}),
      outDir: opts.resultsDir,
      log: deps.log,
      marker,
    });
  } catch (e) {
    // The gather job must still learn that this job's boards produced nothing.
    const why = e instanceof Error ? e.message : String(e);
    await writeManifest(opts.resultsDir, failedManifest(mctx, why)).catch(() => undefined);
    throw e;
  } finally {
    await bench.close();
  }
  await writeManifest(opts.resultsDir, manifestOf(mctx, run));

  const measuredNothing = run.comparison.entries.length === 0;
  const outcome: Outcome = {
    verdict: measuredNothing ? 'skipped' : run.verdict,
    marker,
    markdown: measuredNothing ? skippedReport(marker, run.skipped) : run.markdown,
    resultPaths: run.results.map((r) => r.path),
    pullRequest: t.pullRequest,
    comment: !t.comment ? 'none' : measuredNothing ? 'update' : 'upsert',
  };
  if (t.recordHistory && deps.record !== null && run.results.some((r) => r.role === 'head')) {
    deps.log(await deps.record(run, ctx));
  }
  return outcome;
}

async function target(ctx: GateContext, deps: MeasureDeps): Promise<Target> {
  const ev = ctx.event;
  switch (ev.kind) {
    case 'pull_request':
      // The pull request's own head, not the merge commit GitHub checks out: results and
      // history are about commits of the branch. The pipeline takes the merge base.
      return {
        headRef: ev.head.sha,
        baseRef: ev.base.sha,
        pullRequest: ev.number,
        comment: true,
        recordHistory: false,
      };
    case 'push': {
      const before = (await hasCommit(deps.repoDir, ev.before)) ? ev.before : undefined;
      if (before === undefined)
        deps.log(
          `push: before ${ev.before.slice(0, 12)} is not in the clone, measuring everything`,
        );
      return {
        headRef: ev.after,
        ...(before !== undefined ? { baseRef: before } : {}),
        pullRequest: null,
        comment: false,
        recordHistory: ev.toDefaultBranch,
      };
    }
    default:
      return { headRef: ctx.sha, pullRequest: null, comment: false, recordHistory: false };
  }
}

/** False for the all-zero sha of a new branch and for commits a shallow clone lacks. */
async function hasCommit(repoDir: string, sha: string): Promise<boolean> {
  if (/^0+$/.test(sha)) return false;
  try {
    await git('git', ['cat-file', '-e', `${sha}^{commit}`], { cwd: repoDir });
    return true;
  } catch {
    return false;
  }
}
