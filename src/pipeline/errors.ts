// Errors of the pipeline that stop the whole run (a bad option, a ref git does not know,
// a repository that is not one). A failure of one model on one board is not thrown: it
// becomes that entry's error and the verdict is inconclusive.

export type PipelineErrorCode =
  /** repoDir is not inside a git work tree. */
  | 'not-a-repo'
  /** A base or head ref that git cannot resolve to a commit. */
  | 'bad-ref'
  /** A git command failed for another reason (the message has git's own). */
  | 'git-failed'
  /** `models` or `boards` names something the configuration does not have, or selects nothing. */
  | 'bad-selection'
  /** An option out of its range (baseline mode, repeats, ...). */
  | 'bad-option'
  /** A configured path leaves the repository (`../`, absolute). */
  | 'bad-path'
  /** With a head ref: the configuration file does not exist at that commit. */
  | 'config-missing'
  /** A result document could not be written. */
  | 'write-failed';

export class PipelineError extends Error {
  readonly code: PipelineErrorCode;
  constructor(code: PipelineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PipelineError';
    this.code = code;
  }
}

/** The message of anything thrown, Error or not. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : (JSON.stringify(e) ?? String(e));
}
