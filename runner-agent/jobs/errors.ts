// Errors of the runner agent. `code` is stable (API clients and tests match on it); the
// message names the board, job, command or file. `boardFault` says whether the failure
// counts against the board's health (a silent board, a dead QEMU) or against the job
// (a model the board cannot hold, an unsupported operator, a bad request).

export type AgentErrorCode =
  /** The request names no board of the inventory (neither an id nor a label). */
  | 'unknown-board'
  /** Every board that would satisfy the request is quarantined. */
  | 'quarantined'
  /** A step did not finish in its time. */
  | 'timeout'
  /** The client went away or the job was cancelled. */
  | 'cancelled'
  /** The board stopped answering or its link broke. */
  | 'board-failed'
  /** QEMU could not be started or died. */
  | 'emulator-failed'
  /** The firmware image for a board cannot be found or built. */
  | 'firmware-missing'
  /** A flash or reset command failed or is not allowed. */
  | 'command-failed'
  /** The device refused the model or the job (status from the firmware). */
  | 'device-error'
  /** The model cannot run on the board (too large, unsupported, bad file). */
  | 'model-rejected'
  /** The request body or arguments are invalid. */
  | 'bad-request'
  /** The lease state file cannot be read or written. */
  | 'state-file';

export class AgentError extends Error {
  readonly code: AgentErrorCode;
  readonly boardFault: boolean;
  constructor(
    code: AgentErrorCode,
    message: string,
    options: { cause?: unknown; boardFault?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AgentError';
    this.code = code;
    this.boardFault =
      options.boardFault ??
      (code === 'board-failed' || code === 'emulator-failed' || code === 'timeout');
  }
}

/** The message of any thrown value (errors from other modules may not be Errors). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A stable code for any thrown value: AgentError's, another class's `code` string, or 'internal'. */
export function codeOf(e: unknown): string {
  if (e instanceof AgentError) return e.code;
  if (e instanceof Error && typeof (e as unknown as { code?: unknown }).code === 'string') {
    return (e as unknown as { code: string }).code;
  }
  return 'internal';
}

/**
 * Runs `work` with a deadline and the caller's abort signal. The work gets a signal that
 * fires on either, so it can stop its I/O; the returned promise rejects with 'timeout'
 * (naming `what`) or 'cancelled' even if the work ignores the signal.
 */
export async function withTimeout<T>(
  what: string,
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): Promise<T> {
  if (outer?.aborted) throw new AgentError('cancelled', `${what}: cancelled`);
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new AgentError('timeout', `${what}: no answer within ${ms} ms`);
      ctl.abort(err);
      reject(err);
    }, ms);
    onAbort = () => {
      const err = new AgentError('cancelled', `${what}: cancelled`);
      ctl.abort(err);
      reject(err);
    };
    outer?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work(ctl.signal), stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) outer?.removeEventListener('abort', onAbort);
  }
}
