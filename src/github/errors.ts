// Errors of the GitHub edge: reading the event, talking to the REST API, writing the
// step's files. Each has a stable `code`; the message names the variable, payload field
// or endpoint at fault.

export type GitHubErrorCode =
  /** A GITHUB_* variable the run needs is unset or malformed. */
  | 'missing-env'
  /** The event payload file cannot be read or is not JSON. */
  | 'bad-event-file'
  /** The payload lacks a field the event must have, or has the wrong type. */
  | 'bad-event'
  /** An event the gate does not handle (issue_comment, schedule, ...). */
  | 'unsupported-event'
  /** A comment body without the configuration's marker, or a malformed marker. */
  | 'bad-marker'
  /** A pull request from a fork asked for the hardware runner without the maintainer label. */
  | 'fork-refused'
  /** The token may not do this (403): typically a fork's read-only token. */
  | 'forbidden'
  /** Any other failed API request (the message has the status and GitHub's own text). */
  | 'api-failed'
  /** The pull request of a workflow_run cannot be found. */
  | 'no-pull-request'
  /** GITHUB_OUTPUT / GITHUB_STEP_SUMMARY cannot be written, or an output name is invalid. */
  | 'file-command';

export class GitHubError extends Error {
  readonly code: GitHubErrorCode;
  constructor(code: GitHubErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GitHubError';
    this.code = code;
  }
}

/** The message of anything thrown, Error or not. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : (JSON.stringify(e) ?? String(e));
}
