// The action: inputs and context in, one mode run, then the report goes everywhere it
// belongs (sticky comment, job summary, outputs) and the step fails as fail-on says.
import { setFailed, setSecret } from '@actions/core';
import {
  createClient,
  findMarked,
  readContext,
  setOutputs,
  upsertComment,
  writeSummary,
  type GateContext,
  type GitHubClient,
} from '../github/index.ts';
import { commentMode } from './comment-mode.ts';
import { openHistory } from './history.ts';
import type { CommentMode } from '../schema/config-types.ts';
import { loadConfigFile } from '../schema/load.ts';
import { readInputs, type ActionOptions, type FailOn } from './inputs.ts';
import { measureMode } from './measure.ts';
import { outputsOf, type ActionVerdict, type Outcome } from './outcome.ts';

type Env = Record<string, string | undefined>;

/** Runs the action; returns the outcome, or null when it stopped on an error (step failed). */
export async function run(env: Env = process.env): Promise<Outcome | null> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const opts = readInputs(env);
    if (opts.agent.kind !== 'inprocess') setSecret(opts.agent.token);
    if (opts.githubToken !== '') setSecret(opts.githubToken);
    const ctx = readContext(env);
    const repoDir = env.GITHUB_WORKSPACE ?? process.cwd();
    const client =
      opts.githubToken === ''
        ? null
        : createClient({ token: opts.githubToken, apiUrl: ctx.apiUrl });
    log(`tinyml-gate: ${ctx.eventName} on ${ctx.repo.fullName}, mode ${opts.mode}`);

    let outcome: Outcome;
    if (opts.mode === 'comment') {
      outcome = await commentMode(ctx, opts, { repoDir, log, client });
    } else {
      const history = await openHistory({
        repoDir,
        configPath: opts.configPath,
        token: opts.githubToken,
        log,
      });
      try {
        outcome = await measureMode(ctx, opts, {
          repoDir,
          log,
          history: history?.store ?? null,
          record: history?.record ?? null,
        });
      } finally {
        await history?.close();
      }
    }
    await publish(outcome, ctx, commentSettingOf(opts), client, log);
    const why = failure(outcome.verdict, opts.failOn);
    if (why !== null) setFailed(why);
    return outcome;
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    const message = e instanceof Error ? e.message : String(e);
    setFailed(typeof code === 'string' ? `${code}: ${message}` : message);
    return null;
  }
}

/** The comment input, else the configuration's comment.mode. */
function commentSettingOf(opts: ActionOptions): CommentMode {
  return opts.comment ?? loadConfigFile(opts.configPath).comment.mode;
}

async function publish(
  o: Outcome,
  ctx: GateContext,
  commentSetting: CommentMode,
  client: GitHubClient | null,
  log: (line: string) => void,
): Promise<void> {
  log(`verdict: ${o.verdict}`);
  // Summary and outputs first: a comment refused by a read-only token must not lose them.
  if (!writeSummary(o.markdown, ctx.stepSummaryPath)) log(o.markdown);
  setOutputs(outputsOf(o), ctx.outputPath);
  if (o.pullRequest !== null && o.comment !== 'none' && commentSetting !== 'off') {
    await comment(o, o.pullRequest, ctx, client, log);
  }
}

async function comment(
  o: Outcome,
  pr: number,
  ctx: GateContext,
  client: GitHubClient | null,
  log: (line: string) => void,
): Promise<void> {
  if (client === null) {
    log('no github-token: the report is in the job summary only');
    return;
  }
  const where = { owner: ctx.repo.owner, repo: ctx.repo.repo, issueNumber: pr, marker: o.marker };
  if (o.comment === 'update' && (await findMarked(client, where)).length === 0) {
    log(`pull request #${pr}: nothing measured and no earlier comment, none posted`);
    return;
  }
  const r = await upsertComment(client, { ...where, body: o.markdown });
  log(`pull request #${pr}: comment ${r.action} (${r.url})`);
}

/** Why the step fails, or null. */
export function failure(verdict: ActionVerdict, failOn: FailOn): string | null {
  if (failOn === 'never') return null;
  if (verdict === 'fail') return 'tinyml-gate: a budget is broken (see the report)';
  if (verdict === 'refused')
    return 'tinyml-gate: not run: a fork pull request without the maintainer label';
  if (verdict === 'inconclusive' && failOn === 'inconclusive') {
    return 'tinyml-gate: inconclusive (a measurement failed or a figure is within noise of a limit)';
  }
  return null;
}
