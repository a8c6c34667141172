// Where the base figures of one model on one board come from. Re-measuring the base
// version on the same board in the same job is always right; a stored result of the merge
// base (or of its nearest ancestor that has one) saves the board time, but only when it
// was measured alike: same board fingerprint as the head's result (board, firmware build,
// compiler, kernel set, ...) and the same model bytes as the base version. Differing
// fingerprints are never compared: the base is re-measured and a note says why.
import { fingerprintDifference } from '../compare/index.ts';
import type { BaselineMode } from '../schema/config-types.ts';
import type { ResultDocument } from '../schema/result-types.ts';
import { validate } from '../schema/validate.ts';
import { messageOf } from './errors.ts';

/** The history store as the pipeline needs it (src/history implements it on the data branch). */
export interface HistoryStore {
  /** The stored result of `model` on board id `board` at commit `sha`, or null. */
  find(sha: string, model: string, board: string): Promise<ResultDocument | null>;
  /** Ancestors of `sha`, nearest first (whether `sha` itself leads the list does not matter). */
  ancestors(sha: string): Promise<string[]>;
}

export type BaselineDecision =
  | { source: 'history'; doc: ResultDocument; note: string }
  | { source: 'remeasure'; note?: string }
  /** Mode 'history' and no usable stored result: the entry is inconclusive with this error. */
  | { source: 'missing'; error: string };

export interface BaselineQuery {
  mode: BaselineMode;
  history?: HistoryStore;
  /** The base commit (merge base). */
  baseSha: string;
  model: string;
  /** SHA-256 of the base version of the model file. */
  baseModelSha256: string;
  /** The head's result on the board the base must match. */
  head: ResultDocument;
  /** Ancestors looked at past the base commit itself; default 200. */
  maxAncestors?: number;
}

const short = (sha: string): string => sha.slice(0, 12);

export async function chooseBaseline(q: BaselineQuery): Promise<BaselineDecision> {
  if (q.mode === 'remeasure') return { source: 'remeasure' };
  const board = q.head.board.boardId;
  const what = `${q.model} on ${board}`;
  // In 'auto' anything short of a usable stored result falls back to re-measuring; in
  // 'history' it leaves the entry without a baseline (inconclusive), as configured.
  const unusable = (why: string): BaselineDecision =>
    q.mode === 'history'
      ? { source: 'missing', error: `baseline mode history: ${why}` }
      : { source: 'remeasure', note: `baseline re-measured: ${why}` };
  if (q.history === undefined) {
    // Without a store (the CLI, a first run) re-measuring is simply the way: no note.
    return q.mode === 'auto'
      ? { source: 'remeasure' }
      : unusable('no history store to read results from');
  }

  let found: ResultDocument | null = null;
  let at = '';
  try {
    const ancestors = (await q.history.ancestors(q.baseSha)).filter((s) => s !== q.baseSha);
    const candidates = [q.baseSha, ...ancestors.slice(0, q.maxAncestors ?? 200)];
    for (const sha of candidates) {
      found = await q.history.find(sha, q.model, board);
      if (found !== null) {
        at = sha;
        break;
      }
    }
    if (found !== null) validate('result', found, `stored result of ${what} at ${short(at)}`);
  } catch (e) {
    return unusable(`the history store failed (${messageOf(e)})`);
  }
  if (found === null) {
    return unusable(`no stored result of ${what} at ${short(q.baseSha)} or its ancestors`);
  }
  const where =
    at === q.baseSha
      ? `the base commit ${short(at)}`
      : `ancestor ${short(at)} of the base commit ${short(q.baseSha)}`;
  if (found.model.sha256 !== q.baseModelSha256) {
    return unusable(
      `the nearest stored result (${where}) is of another version of the model (sha256 ${found.model.sha256.slice(0, 12)}, base has ${q.baseModelSha256.slice(0, 12)})`,
    );
  }
  const diff = fingerprintDifference(found, q.head);
  if (diff !== null) {
    // Never compared, whatever the mode: re-measure on the head's board instead.
    return {
      source: 'remeasure',
      note: `baseline re-measured: the stored result of ${where} was measured on another fingerprint (${diff})`,
    };
  }
  return {
    source: 'history',
    doc: found,
    note: `baseline from history: the stored result of ${where}`,
  };
}
