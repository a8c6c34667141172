// The public API of src/github (docs/github.md).
export { readContext, parseEventPayload, repositoryUrl, SUPPORTED_EVENTS } from './context.ts';
export type {
  GateContext,
  GateEvent,
  PullRequestEvent,
  PushEvent,
  RepoRef,
  WorkflowDispatchEvent,
  WorkflowRunEvent,
} from './context.ts';
export { createClient, apiError } from './client.ts';
export type { ClientOptions, GitHubClient } from './client.ts';
export { commentMarker, findMarked, upsertComment, MAX_COMMENT_CHARS } from './comment.ts';
export type { UpsertOptions, UpsertResult } from './comment.ts';
export { writeSummary, MAX_SUMMARY_BYTES } from './summary.ts';
export { setOutputs, parseOutputs } from './outputs.ts';
export { forkDecision, assertForkAllowed, DEFAULT_ALLOW_LABEL } from './fork.ts';
export type { ForkDecision, ForkPolicy } from './fork.ts';
export { pullRequestOfRun } from './pulls.ts';
export { GitHubError } from './errors.ts';
export type { GitHubErrorCode } from './errors.ts';
