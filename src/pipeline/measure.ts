// One model on one board: the head version measured, then its baseline (a stored result
// or the base version re-measured on the very board the head ran on), with the host float
// accuracy added where a float reference is configured. A failure here is this entry's
// error, never the run's: the other models and boards go on.
import { fingerprintDifference, type ComparePair } from '../compare/index.ts';
import type { BaselineMode } from '../schema/config-types.ts';
import type { ResultDocument } from '../schema/result-types.ts';
import { chooseBaseline, type HistoryStore } from './baseline.ts';
import { messageOf } from './errors.ts';
import { hostFloatAccuracy } from './host-float.ts';
import type { CommitRef, ResolvedModel, Version } from './resolve.ts';

/** One benchmark on a board: what the runner agent does for one model (in-process or HTTP). */
export type BenchFn = (
  req: {
    model: Uint8Array;
    modelName: string;
    /** Board id or label of the agent's inventory. */
    board: string;
    repeats: number;
    warmup: number;
    /** dataset.json (absolute path): enables host int8 and device accuracy. */
    dataset?: string;
    commit: { sha: string; ref?: string };
  },
  progress?: (line: string) => void,
) => Promise<ResultDocument>;

export interface MeasureContext {
  bench: BenchFn;
  repeats: number;
  warmup: number;
  mode: BaselineMode;
  history?: HistoryStore;
  headCommit: CommitRef;
  baseCommit: (CommitRef & { ref: string }) | null;
  log: (line: string) => void;
  /** Host float accuracy by float model hash and sample count (several boards, one figure). */
  floatCache: Map<string, Promise<number | null>>;
}

export interface Measured {
  pair: ComparePair;
  head?: ResultDocument;
  base?: ResultDocument;
  /** Lines for the report's notes (baseline provenance, float accuracy failures). */
  notes: string[];
}

export async function measureEntry(
  ctx: MeasureContext,
  m: ResolvedModel,
  board: string,
): Promise<Measured> {
  const name = m.entry.name;
  const notes: string[] = [];
  const fail = (error: string, head?: ResultDocument): Measured => ({
    pair: { model: name, board, error },
    notes,
    ...(head !== undefined ? { head } : {}),
  });
  if (m.head === null) return fail(m.error ?? `${m.entry.path} not found at head`);

  ctx.log(`measuring head of ${name} on ${board}`);
  let head: ResultDocument;
  try {
    head = await bench(ctx, m, m.head, board, ctx.headCommit);
  } catch (e) {
    return fail(`head: ${messageOf(e)}`);
  }
  head = withNotes(head, m.notes);
  head = await withHostFloat(ctx, head, m, m.floatHead, notes);
  if (m.change !== 'changed' || m.base === null || ctx.baseCommit === null) {
    return { pair: { model: name, board, head, baselineSource: 'none' }, head, notes };
  }

  const decision = await chooseBaseline({
    mode: ctx.mode,
    ...(ctx.history !== undefined ? { history: ctx.history } : {}),
    baseSha: ctx.baseCommit.sha,
    model: name,
    baseModelSha256: m.base.sha256,
    head,
  });
  if (decision.source === 'missing') {
    ctx.log(`${name} on ${board}: ${decision.error}`);
    return fail(decision.error, head);
  }
  if (decision.source === 'history') {
    ctx.log(`${name} on ${board}: ${decision.note}`);
    notes.push(decision.note);
    const base = decision.doc;
    return {
      pair: { model: name, board, head, base, baselineSource: 'history' },
      head,
      base,
      notes,
    };
  }
  if (decision.note !== undefined) {
    ctx.log(`${name} on ${board}: ${decision.note}`);
    notes.push(decision.note);
  }
  // The head's board id, not the configured label: base and head on the same board.
  const boardId = head.board.boardId;
  ctx.log(`measuring base of ${name} on ${boardId}`);
  let base: ResultDocument;
  try {
    base = await bench(ctx, m, m.base, boardId, ctx.baseCommit);
  } catch (e) {
    return fail(`base (${ctx.baseCommit.sha.slice(0, 12)}): ${messageOf(e)}`, head);
  }
  const diff = fingerprintDifference(base, head);
  if (diff !== null) {
    // The board changed under us (its firmware was rebuilt and re-flashed between the two
    // jobs): measure the head once more on what the board runs now, so the pair is alike.
    const line = `head re-measured: the board's fingerprint changed between head and base (${diff})`;
    ctx.log(`${name} on ${board}: ${line}`);
    try {
      const again = withNotes(await bench(ctx, m, m.head, boardId, ctx.headCommit), m.notes);
      head = await withHostFloat(ctx, again, m, m.floatHead, notes);
      notes.push(line);
    } catch (e) {
      return fail(`head, measured again: ${messageOf(e)}`);
    }
  }
  if (decision.note !== undefined) base = withNotes(base, [decision.note]);
  base = await withHostFloat(ctx, base, m, m.floatBase, notes);
  return {
    pair: { model: name, board, head, base, baselineSource: 'remeasured' },
    head,
    base,
    notes,
  };
}

function bench(
  ctx: MeasureContext,
  m: ResolvedModel,
  v: Version,
  board: string,
  commit: CommitRef,
): Promise<ResultDocument> {
  return ctx.bench(
    {
      model: v.bytes,
      modelName: m.entry.name,
      board,
      repeats: ctx.repeats,
      warmup: ctx.warmup,
      ...(m.dataset !== undefined ? { dataset: m.dataset } : {}),
      commit: { sha: commit.sha, ...(commit.ref !== undefined ? { ref: commit.ref } : {}) },
    },
    (line) => ctx.log(`  ${line}`),
  );
}

function withNotes(doc: ResultDocument, notes: readonly string[]): ResultDocument {
  return notes.length === 0 ? doc : { ...doc, notes: [...doc.notes, ...notes] };
}

/** The document with accuracy.hostFloat filled in; a failure is a note, not an error. */
async function withHostFloat(
  ctx: MeasureContext,
  doc: ResultDocument,
  m: ResolvedModel,
  float: Version | null,
  notes: string[],
): Promise<ResultDocument> {
  const acc = doc.accuracy;
  if (float === null || m.dataset === undefined || acc === undefined) return doc;
  const key = `${float.sha256}/${acc.samples}`;
  let p = ctx.floatCache.get(key);
  if (p === undefined) {
    ctx.log(
      `host float accuracy of ${m.entry.floatReference ?? m.entry.name} (${acc.samples} samples)`,
    );
    p = hostFloatAccuracy(float.bytes, m.dataset, acc.samples);
    ctx.floatCache.set(key, p);
  }
  try {
    const v = await p;
    return v === null ? doc : { ...doc, accuracy: { ...acc, hostFloat: v } };
  } catch (e) {
    const line = `host float accuracy of ${m.entry.name} failed: ${messageOf(e)}`;
    notes.push(line);
    ctx.log(line);
    return doc;
  }
}
