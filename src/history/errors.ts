// Errors of the history branch. Each has a stable `code`; messages name the remote
// (never a token), the branch, the commit and the result path at fault.

export type HistoryErrorCode =
  /** A result document fails its schema: nothing was written. */
  | 'invalid-result'
  /** A git command failed (the message has git's first line of complaint). */
  | 'git-failed'
  /** Every push attempt lost a race with another writer. */
  | 'push-conflict'
  /** The branch holds a file that should be a result document or the index and is not. */
  | 'corrupt-data'
  /** A bad argument: not a commit id, no documents, an unusable option. */
  | 'bad-argument';

export class HistoryError extends Error {
  readonly code: HistoryErrorCode;
  constructor(code: HistoryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HistoryError';
    this.code = code;
  }
}

/** The message of anything thrown, Error or not. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : (JSON.stringify(e) ?? String(e));
}
