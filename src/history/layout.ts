// What the data branch holds and where:
//   results/<commit sha>/<model>/<board id>.json   one result document each
//   index.json                                      one row per result, for dashboards
// Names are percent-encoded where they are not plain file names, so a model called
// "../x" or "a/b" stays one path segment inside its commit's folder.
import type { ResultDocument } from '../schema/result-types.ts';
import { HistoryError } from './errors.ts';

export const RESULTS_DIR = 'results';
export const INDEX_PATH = 'index.json';

const SHA_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function checkSha(sha: string): void {
  if (!SHA_RE.test(sha)) {
    throw new HistoryError(
      'bad-argument',
      `${JSON.stringify(sha)} is not a full commit id (40 or 64 lowercase hex digits)`,
    );
  }
}

/** One path segment for a model name or board id. */
export function segment(name: string): string {
  if (/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name)) return name;
  return encodeURIComponent(name).replace(/^\./, '%2E').replace(/\*/g, '%2A');
}

export function resultPath(sha: string, model: string, board: string): string {
  checkSha(sha);
  return `${RESULTS_DIR}/${sha}/${segment(model)}/${segment(board)}.json`;
}

export function resultPathOf(doc: ResultDocument): string {
  return resultPath(doc.commit.sha, doc.model.name, doc.board.boardId);
}

/** A row of index.json: where a result is and its headline figures. */
export interface IndexEntry {
  commit: string;
  ref?: string;
  model: string;
  board: string;
  path: string;
  createdAt: string;
  timeUnit: ResultDocument['timeUnit'];
  /** Median ticks of one inference. */
  ticks: number;
  energyUj?: number;
  flashBytes: number;
  ramBytes: number;
  /** Device accuracy in percent, when a dataset gave one. */
  accuracy?: number;
}

export interface IndexDocument {
  schemaVersion: 1;
  results: IndexEntry[];
}

export function indexEntry(doc: ResultDocument): IndexEntry {
  const e: IndexEntry = {
    commit: doc.commit.sha,
    model: doc.model.name,
    board: doc.board.boardId,
    path: resultPathOf(doc),
    createdAt: doc.createdAt,
    timeUnit: doc.timeUnit,
    ticks: doc.totals.ticks.median,
    flashBytes: doc.footprint.flashBytes,
    ramBytes: doc.footprint.ramBytes,
  };
  if (doc.commit.ref !== undefined) e.ref = doc.commit.ref;
  if (doc.totals.energyUj !== undefined) e.energyUj = doc.totals.energyUj.value;
  if (doc.accuracy?.device !== undefined) e.accuracy = doc.accuracy.device;
  return e;
}

/**
 * The index text of the branch (null: no index yet) with the new entries: an entry for a
 * path already present replaces it (a re-run of the same commit), rows ordered by date
 * then path so that the file is the same whatever order the writers came in.
 */
export function mergeIndex(existing: string | null, source: string, add: IndexEntry[]): string {
  const doc =
    existing === null ? { schemaVersion: 1 as const, results: [] } : parseIndex(existing, source);
  const byPath = new Map(doc.results.map((e) => [e.path, e]));
  for (const e of add) byPath.set(e.path, e);
  const results = [...byPath.values()].sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.path.localeCompare(b.path),
  );
  // One row per line: each run's commit to the branch is a diff of a few added lines.
  const rows = results.map((e) => JSON.stringify(e)).join(',\n');
  return `{"schemaVersion":1,"results":[\n${rows}\n]}\n`;
}

/** index.json, checked enough that a merge can never drop rows it did not understand. */
export function parseIndex(text: string, source: string): IndexDocument {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new HistoryError('corrupt-data', `${source} is not JSON: refusing to overwrite it`, {
      cause: e,
    });
  }
  const doc = v as Partial<IndexDocument> | null;
  if (
    doc === null ||
    typeof doc !== 'object' ||
    doc.schemaVersion !== 1 ||
    !Array.isArray(doc.results)
  ) {
    throw new HistoryError(
      'corrupt-data',
      `${source} is not a version 1 index: refusing to overwrite it`,
    );
  }
  doc.results.forEach((e, i) => {
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.path !== 'string' ||
      typeof e.createdAt !== 'string'
    ) {
      throw new HistoryError(
        'corrupt-data',
        `${source}: results/${i} lacks path or createdAt: refusing to overwrite it`,
      );
    }
  });
  return doc as IndexDocument;
}
