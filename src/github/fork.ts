// Fork safety: a pull request from a fork carries code nobody in the repository has
// reviewed, and the hardware runner is a machine on someone's desk with boards and a
// network. The gate refuses to measure such a pull request there unless a maintainer
// has put the allow label on it (a fork's author cannot add labels). This is a second
// line of defence: a fork can also edit the workflow itself, so the repository must
// require approval for outside contributors' runs too (docs/github.md).
import type { GateContext } from './context.ts';
import { GitHubError } from './errors.ts';

export const DEFAULT_ALLOW_LABEL = 'tinyml-gate:run-on-hardware';

export interface ForkPolicy {
  /**
   * Label that lets a fork's pull request run on the hardware runner. Default
   * 'tinyml-gate:run-on-hardware'; null: no label allows it.
   */
  allowLabel?: string | null;
  /**
   * The run would use the hardware runner (real boards, or a self-hosted host at all).
   * Default true; false for a run on GitHub-hosted runners with emulated boards only,
   * where a fork's pull request cannot reach anything of ours.
   */
  hardware?: boolean;
}

export interface ForkDecision {
  allowed: boolean;
  /** The code under test comes from another repository. */
  fork: boolean;
  /** One sentence for the log and the job summary. */
  reason: string;
}

/** Whether this run may measure on the hardware runner. */
export function forkDecision(ctx: GateContext, policy: ForkPolicy = {}): ForkDecision {
  const label = policy.allowLabel === undefined ? DEFAULT_ALLOW_LABEL : policy.allowLabel;
  const hardware = policy.hardware ?? true;
  const ev = ctx.event;
  if (ev.kind === 'workflow_run') {
    // The comment half of the fork-safe pair reads artifacts; it runs none of the fork's code.
    return {
      allowed: true,
      fork: ev.fork,
      reason: 'workflow_run: results are read, no code of the pull request runs',
    };
  }
  if (ev.kind !== 'pull_request' || !ev.fork) {
    return { allowed: true, fork: false, reason: 'the code comes from this repository' };
  }
  const from = ev.head.repo ?? 'a deleted fork';
  if (!hardware) {
    return {
      allowed: true,
      fork: true,
      reason: `pull request #${ev.number} from ${from} runs on emulated boards only`,
    };
  }
  if (label !== null && ev.labels.includes(label)) {
    return {
      allowed: true,
      fork: true,
      reason: `pull request #${ev.number} from ${from} carries the maintainer label "${label}"`,
    };
  }
  const how =
    label === null ? 'no label allows it' : `a maintainer can add the label "${label}" to allow it`;
  return {
    allowed: false,
    fork: true,
    reason: `pull request #${ev.number} comes from the fork ${from}: its code does not run on the hardware runner (${how})`,
  };
}

/** Throws GitHubError 'fork-refused' when forkDecision refuses. */
export function assertForkAllowed(ctx: GateContext, policy: ForkPolicy = {}): ForkDecision {
  const d = forkDecision(ctx, policy);
  if (!d.allowed) throw new GitHubError('fork-refused', d.reason);
  return d;
}
